import CFFmpeg
import Foundation

extension DecodeSession {
  /// Opens a stream source with `interrupt` as the demuxer's interrupt callback, so no open or
  /// read waits more than `timeout` seconds for data, and `interrupt.stop()` ends any wait.
  static func open(
    _ source: StreamSource, threads: Int, timeout: Double, interrupt: StreamInterrupt
  ) throws(VideoError) -> DecodeSession {
    let name = source.description
    if case .file(let path, _) = source { try checkFile(path) }
    let arguments = source.openArguments(timeout: timeout)
    var inputFormat: UnsafePointer<AVInputFormat>?
    if let formatName = arguments.format {
      guard let found = CaptureDevices.inputFormat(formatName) else {
        let reason =
          CaptureDevices.isAvailable
          ? "FFmpeg has no input device '\(formatName)'"
          : "capture devices need libavdevice, which is not installed (Debian: libavdevice59)"
        throw .streamFailed(source: name, reason: reason)
      }
      inputFormat = found
    }
    let log = LogCapture()
    log.begin()
    var opened = avformat_alloc_context()
    opened?.pointee.opaque = log.tag
    opened?.pointee.interrupt_callback = interrupt.callback
    var dictionary: OpaquePointer?
    for (key, value) in arguments.options { av_dict_set(&dictionary, key, value, 0) }
    defer { av_dict_free(&dictionary) }
    interrupt.arm(seconds: timeout)
    let code = avformat_open_input(&opened, arguments.url, inputFormat, &dictionary)
    guard code >= 0, let format = opened else {
      throw failure(name, reason: "cannot open: \(log.reason(code))", interrupt, timeout)
    }
    // Finding the stream's codec reads data too.
    interrupt.arm(seconds: timeout)
    do {
      let session = try DecodeSession(
        path: name, opened: format, threads: threads, log: log, interrupt: interrupt)
      // Finding the codec may have waited past the end of what had arrived (a growing file),
      // having read enough already.
      interrupt.clear()
      return session
    } catch {
      throw failure(name, reason: error.reason, interrupt, timeout)
    }
  }

  /// An interrupted open says why it was interrupted rather than FFmpeg's "Immediate exit
  /// requested".
  private static func failure(
    _ name: String, reason: String, _ interrupt: StreamInterrupt, _ timeout: Double
  ) -> VideoError {
    switch interrupt.cause {
    case .stopped:
      return .streamFailed(source: name, reason: "stopped before the stream started")
    case .silent:
      return .streamFailed(
        source: name,
        reason: "no data in \(StreamText.seconds(timeout)) s (is the source running?)")
    case nil:
      return .streamFailed(source: name, reason: reason)
    }
  }
}
