import Foundation
import Hummingbird
import NIOCore
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

/// Turns the router's own errors (an unknown path, a wrong method) into the JSON error body
/// every other failure has, instead of an empty response.
struct JSONErrorMiddleware<Context: RequestContext>: RouterMiddleware {
  func handle(
    _ request: Request, context: Context, next: (Request, Context) async throws -> Response
  ) async throws -> Response {
    do {
      return try await next(request, context)
    } catch let error as HTTPError {
      let message =
        error.status == .notFound
        ? "no such endpoint: \(request.method) \(request.uri.path) "
          + "(try GET /, GET /v1/model, GET /healthz, POST /v1/predict)"
        : error.body ?? error.status.reasonPhrase
      return VidiServer.error(RequestError(error.status, message))
    }
  }
}

/// Why the server could not start listening, in one line naming the address.
public struct ListenError: Error, CustomStringConvertible {
  public var description: String

  /// The common reasons a bind fails; nil for others, whose own text is then shown.
  init?(_ error: IOError, host: String, port: Int) {
    switch error.errnoCode {
    case EADDRINUSE:
      description =
        "port \(port) on \(host) is already in use: stop the other server or choose another "
        + "port with --port (0 picks a free one)"
    case EACCES:
      description =
        "port \(port) on \(host): permission denied (ports below 1024 need privileges; "
        + "choose another with --port)"
    case EADDRNOTAVAIL:
      description = "\(host) is not an address of this machine (use --host 127.0.0.1 or 0.0.0.0)"
    default:
      return nil
    }
  }
}
