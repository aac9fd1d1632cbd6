import CFFmpeg
import Foundation

/// FFmpeg's errors reach Vidi as negative codes plus a log line; these helpers turn both into the
/// one-line reasons `VideoError` carries.
enum FFmpeg {
  static let eof = vidi_averror_eof()
  static let again = vidi_averror(EAGAIN)
  static let streamNotFound = vidi_averror_stream_not_found()
  static let decoderNotFound = vidi_averror_decoder_not_found()
  static let noTimestamp = vidi_nopts_value()

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

/// The last error line FFmpeg logged about one file, so a failure quotes its own file's reason
/// (it is more specific than the code's message, e.g. "moov atom not found") even while other
/// files decode on other threads.
///
/// FFmpeg's log callback is one per process. It files each line under a capture found from the
/// object that logged it: a demuxer or decoder context whose `opaque` carries the capture's
/// number (decoder threads copy it with the context), or else the capture that last began an
/// operation on the logging thread (contexts FFmpeg makes for itself, such as the decoders
/// `avformat_find_stream_info` opens). Numbers are never reused, so a line for a file already
/// closed is dropped rather than given to another.
final class LogCapture: Sendable {
  let number: UInt

  init() {
    _ = Self.callbackInstalled
    number = Self.lines.open()
  }

  deinit { Self.lines.close(number) }

  /// The value for a context's `opaque` that files its lines here.
  var tag: UnsafeMutableRawPointer? { UnsafeMutableRawPointer(bitPattern: number) }

  /// Forgets the last line and makes this capture the calling thread's, before an operation
  /// whose failure should quote what FFmpeg logs.
  func begin() {
    Self.lines.record("", for: number)
    pthread_setspecific(Self.threadKey, tag)
  }

  /// The reason for `code`: the last error line logged for this capture since `begin()`, else
  /// the code's generic message.
  func reason(_ code: Int32) -> String {
    let logged = Self.lines.line(for: number).trimmingCharacters(in: .whitespacesAndNewlines)
    return logged.isEmpty ? FFmpeg.message(code) : logged
  }

  // MARK: Routing

  private static let lines = CaptureTable()

  private static let threadKey: pthread_key_t = {
    var key = pthread_key_t()
    pthread_key_create(&key, nil)
    return key
  }()

  /// Warnings and chatter are dropped; errors surface through `VideoError`.
  private static let callbackInstalled: Void = av_log_set_callback {
    object, level, format, arguments in
    guard level <= AV_LOG_ERROR, let format, let arguments else { return }
    guard let number = LogCapture.owner(of: object) ?? LogCapture.threadOwner else { return }
    var line = [CChar](repeating: 0, count: 256)
    var printPrefix: Int32 = 0
    av_log_format_line2(object, level, format, arguments, &line, Int32(line.count), &printPrefix)
    LogCapture.lines.record(
      line.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }, for: number)
  }

  private static var threadOwner: UInt? {
    pthread_getspecific(threadKey).map { UInt(bitPattern: $0) }
  }

  /// The capture number a demuxer or decoder context carries in `opaque`.
  private static func owner(of object: UnsafeMutableRawPointer?) -> UInt? {
    guard let object, let type = object.load(as: UnsafePointer<AVClass>?.self) else { return nil }
    let opaque: UnsafeMutableRawPointer?
    if type == avformat_get_class() {
      opaque = object.assumingMemoryBound(to: AVFormatContext.self).pointee.opaque
    } else if type == avcodec_get_class() {
      opaque = object.assumingMemoryBound(to: AVCodecContext.self).pointee.opaque
    } else {
      return nil
    }
    return opaque.map { UInt(bitPattern: $0) }
  }
}

/// The last line of each open capture, shared by the threads FFmpeg logs from.
private final class CaptureTable: @unchecked Sendable {
  // Guards both values below.
  private let lock = NSLock()
  private var lines: [UInt: String] = [:]
  private var next: UInt = 1

  func open() -> UInt {
    lock.withLock {
      defer { next += 1 }
      lines[next] = ""
      return next
    }
  }

  func close(_ number: UInt) {
    _ = lock.withLock { lines.removeValue(forKey: number) }
  }

  /// Keeps `line` for an open capture; lines for closed (or unknown) numbers are dropped.
  func record(_ line: String, for number: UInt) {
    lock.withLock {
      if lines[number] != nil { lines[number] = line }
    }
  }

  func line(for number: UInt) -> String {
    lock.withLock { lines[number] ?? "" }
  }
}
