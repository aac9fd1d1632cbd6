import Backbones
import VideoIO

/// Why feature extraction as a whole could not run, or one video's features could not be
/// computed. Failures of single clips in a batch are not errors: they are reported per clip and
/// the batch goes on. Each description is one line naming the file.
public enum ExtractionError: Error, Sendable, CustomStringConvertible {
  /// The backbone's weights are missing or damaged; the message names the fetch command.
  case weights(ModelStoreError)
  /// The checkpoint exists but cannot be loaded as the backbone; `detail` is the reader's
  /// one-line message, naming the file.
  case checkpoint(BackboneID, detail: String)
  /// The cache cannot be written (or a clip cannot be read to compute its key).
  case cache(FeatureCacheError)
  /// The video cannot be decoded (single-video extraction).
  case video(VideoError)
  /// The requested number format needs instructions this CPU lacks.
  case precision(UnsupportedPrecision)

  public var description: String {
    switch self {
    case .weights(let error): error.description
    case .checkpoint(let backbone, let detail):
      "\(detail); replace it with `\(backbone.fetchCommand)`"
    case .cache(let error): error.description
    case .video(let error): error.description
    case .precision(let error): error.description
    }
  }
}
