import Backbones
import NumericCore
import VideoIO

/// How frames are picked from a clip for feature extraction.
public enum SamplingMode: String, Sendable, Hashable, Codable, CaseIterable {
  /// Frames spread evenly over the whole clip (see `FrameSampling.uniform`).
  case uniform
  /// The first frames of the clip, as the classic Keras video pipeline reads them.
  case first

  /// The VideoIO sampling that takes `frames` frames this way.
  public func frameSampling(frames: Int) -> FrameSampling {
    switch self {
    case .uniform: .uniform(frames)
    case .first: .first(frames)
    }
  }
}

/// Which picture of the sampled frames is encoded. Each view has its own cache entries.
public enum FeatureView: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
  /// The frames as decoded.
  case original
  /// The frames mirrored left to right (`--augment flip`, `--tta flip`).
  case flipped = "flip"

  public static func < (lhs: Self, rhs: Self) -> Bool {
    allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
  }
}

/// What decides a clip's features besides its bytes and the view: the backbone, how many
/// frames are sampled and how, and the backbone's number format. A trained model records these
/// so prediction uses the same.
public struct FeatureOptions: Sendable, Hashable, Codable {
  public var backbone: BackboneID
  /// Frames per clip; shorter clips are padded with masked rows up to this count.
  public var frames: Int
  public var sampling: SamplingMode
  /// The backbone's 1×1 convolutions' number format (resolve `--precision` with
  /// `PrecisionChoice.resolved()`); float32 unless asked.
  public var precision: Precision

  public init(
    backbone: BackboneID = .default, frames: Int = 20, sampling: SamplingMode = .uniform,
    precision: Precision = .f32
  ) {
    precondition(frames > 0, "a clip needs at least one frame")
    self.backbone = backbone
    self.frames = frames
    self.sampling = sampling
    self.precision = precision
  }

  /// The square crop fed to the backbone: its input size.
  public var cropSize: Int { backbone.spec.inputSize }

  /// The frames VideoIO decodes for one clip.
  public var frameSampling: FrameSampling { sampling.frameSampling(frames: frames) }

  /// The settings half of the cache key for `view`, with the weights' pinned digest; an
  /// extractor puts in the digest of the checkpoint it verified (the same, unless the pin
  /// changes), so no checkpoint is read here.
  public func cacheSettings(view: FeatureView) -> ExtractionSettings {
    ExtractionSettings(
      backbone: backbone.rawValue, weightsSHA256: backbone.spec.weights.checkpoint.sha256,
      sampling: sampling.rawValue, frameCount: frames, cropSize: cropSize, view: view.rawValue,
      precision: precision == .f32 ? nil : precision.rawValue)
  }

  /// One line for logs, e.g. `efficientnet-lite0, uniform 20 frames, 224×224, bf16`.
  public var summary: String {
    "\(backbone.rawValue), \(sampling.rawValue) \(frames) frame\(frames == 1 ? "" : "s"), "
      + "\(cropSize)×\(cropSize), \(precision.rawValue)"
  }
}
