import CFFmpeg
import Foundation

/// FFmpeg's errors reach Vidi as negative codes plus a log line; these helpers turn both into the
/// one-line reasons `VideoError` carries.
enum FFmpeg {
  /// Routes FFmpeg's log into the per-thread capture (once per process). FFmpeg's own chatter
  /// (warnings, info) is dropped; errors surface through `VideoError`.
  static let logCaptureInstalled: Void = vidi_install_log_capture()

  static let eof = vidi_averror_eof()
  static let again = vidi_averror(EAGAIN)
  static let streamNotFound = vidi_averror_stream_not_found()
  static let decoderNotFound = vidi_averror_decoder_not_found()
  static let noTimestamp = vidi_nopts_value()

  /// Clears the captured log line before an operation whose failure should quote it.
  static func clearLastError() {
    _ = logCaptureInstalled
    vidi_clear_last_error()
  }

  /// The reason for `code`: FFmpeg's last logged error line on this thread when there is one
  /// (it is more specific, e.g. "moov atom not found"), else the code's generic message.
  static func reason(_ code: Int32) -> String {
    let logged = String(cString: vidi_last_error())
      .trimmingCharacters(in: .whitespacesAndNewlines)
    return logged.isEmpty ? message(code) : logged
  }

  /// FFmpeg's message for an error code.
  static func message(_ code: Int32) -> String {
    var buffer = [CChar](repeating: 0, count: 256)
    av_strerror(code, &buffer, buffer.count)
    return buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
  }

  /// The seconds a tick of `base` lasts, 0 when the base is unset.
  static func seconds(_ base: AVRational) -> Double {
    base.den == 0 ? 0 : Double(base.num) / Double(base.den)
  }
}
