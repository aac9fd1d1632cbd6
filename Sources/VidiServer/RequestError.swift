import Hummingbird
import Pipeline

/// A failed request: the status and the one-line message the client gets as JSON.
struct RequestError: Error, CustomStringConvertible {
  var status: HTTPResponse.Status
  var message: String

  var description: String { "\(status.code) \(message)" }

  init(_ status: HTTPResponse.Status, _ message: String) {
    self.status = status
    self.message = message
  }

  /// Names the limit and the option that sets it.
  init(_ error: UploadError, limit: Int, deadline: UploadDeadline) {
    switch error {
    case .tooLarge(let limit):
      self.init(
        .contentTooLarge,
        "the upload is larger than this server's limit of \(Self.megabytes(limit)) "
          + "(vidi serve --max-upload-mb)")
    case .empty:
      self.init(.badRequest, "the upload is empty: send the video as the body or as a form file")
    case .form(.noBoundary):
      self.init(.badRequest, "the multipart/form-data content type has no boundary")
    case .form(.noFile):
      self.init(.badRequest, "the form has no file part: add the video as a file field")
    case .form(.malformed(let reason)):
      self.init(.badRequest, "the form data is malformed: \(reason)")
    case .interrupted(let reason):
      self.init(.badRequest, "the upload ended early: \(reason)")
    case .tooSlow(let received, let seconds):
      self.init(
        .requestTimeout,
        "the upload was too slow (\(received) bytes in \(String(format: "%.1f", seconds)) s) and "
          + "was cut off; this server needs an average of at least "
          + "\(Self.rate(deadline.minimumRate)) and the whole upload within "
          + "\(deadline.uploadTimeout.components.seconds) s "
          + "(vidi serve --min-upload-kbps, --upload-timeout)")
    case .storage(let reason):
      self.init(.internalServerError, "cannot store the upload: \(reason)")
    }
  }

  /// Reasons a video could not be classified, naming the client's name for it, never the
  /// temporary file.
  init(_ error: any Error, video: String?) {
    let prefix = video.map { "\($0): " } ?? ""
    switch error {
    case let error as RequestError:
      self = error
    case ExtractionError.video(let error):
      switch error {
      case .notAVideo, .noVideoStream, .empty:
        self.init(.unsupportedMediaType, prefix + error.reason)
      default:
        self.init(.unprocessableContent, prefix + error.reason)
      }
    case is ClipFeaturesError:
      self.init(.unprocessableContent, prefix + "no frame could be decoded")
    default:
      self.init(.internalServerError, prefix + "\(error)")
    }
  }

  /// "16 KB/s", or bytes per second when that is not whole kilobytes.
  static func rate(_ bytesPerSecond: Int) -> String {
    bytesPerSecond % 1024 == 0 ? "\(bytesPerSecond >> 10) KB/s" : "\(bytesPerSecond) bytes/s"
  }

  static func megabytes(_ bytes: Int) -> String {
    bytes % (1 << 20) == 0 ? "\(bytes >> 20) MB" : "\(bytes) bytes"
  }
}
