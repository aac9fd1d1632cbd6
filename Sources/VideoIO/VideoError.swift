/// Why a video could not be read or written. Every case names the file; `description` is one
/// line, `<path>: <reason>`, ready for a log or a CLI error.
public enum VideoError: Error, Sendable, Hashable, CustomStringConvertible {
  /// No file at the path.
  case missing(path: String)
  /// The file has zero bytes.
  case empty(path: String)
  /// The file exists but cannot be read (permissions, a directory, an I/O error).
  case unreadable(path: String, reason: String)
  /// FFmpeg does not recognise the bytes as any video or image format.
  case notAVideo(path: String, reason: String)
  /// The format is recognised but the file ends early or its header is damaged.
  case truncated(path: String, reason: String)
  /// A readable container that holds no video stream (an audio file, for instance).
  case noVideoStream(path: String)
  /// The video stream's codec has no decoder in the linked FFmpeg.
  case unsupportedCodec(path: String, codec: String)
  /// Decoding failed part-way; `framesDecoded` frames came out before the failure.
  case decodeFailed(path: String, reason: String, framesDecoded: Int)
  /// Writing a video failed.
  case writeFailed(path: String, reason: String)
  /// A stream (standard input, a URL, a device, a followed file) could not be opened or
  /// went silent before its first frame; `source` names it as the user did.
  case streamFailed(source: String, reason: String)

  /// The file the error is about.
  public var path: String {
    switch self {
    case .missing(let path), .empty(let path), .noVideoStream(let path),
      .unreadable(let path, _), .notAVideo(let path, _), .truncated(let path, _),
      .unsupportedCodec(let path, _), .decodeFailed(let path, _, _), .writeFailed(let path, _),
      .streamFailed(let path, _):
      return path
    }
  }

  /// The reason alone, without the path.
  public var reason: String {
    switch self {
    case .missing: return "no such file"
    case .empty: return "empty file"
    case .unreadable(_, let reason): return "cannot read the file: \(reason)"
    case .notAVideo(_, let reason): return "not a video: \(reason)"
    case .truncated(_, let reason): return "truncated or damaged: \(reason)"
    case .noVideoStream: return "no video stream"
    case .unsupportedCodec(_, let codec): return "unsupported codec: \(codec)"
    case .decodeFailed(_, let reason, let frames):
      return "decoding failed after \(frames) frames: \(reason)"
    case .writeFailed(_, let reason): return "cannot write the video: \(reason)"
    case .streamFailed(_, let reason): return reason
    }
  }

  public var description: String { "\(path): \(reason)" }
}
