import Backbones
import NumericCore
import SequenceModels
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
  /// The frames as decoded: the centre square.
  case original
  /// The frames mirrored left to right (`--augment flip`, `--tta flip`).
  case flipped = "flip"
  /// The square at the start of the long side: the left of a landscape frame
  /// (`--augment crops`).
  case startCrop = "start-crop"
  /// The square at the end of the long side: the right of a landscape frame
  /// (`--augment crops`).
  case endCrop = "end-crop"

  public static func < (lhs: Self, rhs: Self) -> Bool {
    allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
  }

  /// The views a run encodes: the frames as decoded; mirrored too with `flip`; the squares at
  /// both ends of the long side too with `crops`.
  public static func views(flip: Bool, crops: Bool = false) -> [FeatureView] {
    [.original] + (flip ? [.flipped] : []) + (crops ? [.startCrop, .endCrop] : [])
  }

  /// The square of each frame this view encodes.
  public var crop: SquareCrop {
    switch self {
    case .original, .flipped: .centre
    case .startCrop: .start
    case .endCrop: .end
    }
  }

  /// Whether the square is mirrored left to right before it is encoded.
  public var isMirrored: Bool { self == .flipped }
}

/// What decides a clip's features besides its bytes and the view: the backbone (and with it
/// the weights, crop and normalisation), how many frames are sampled and how, and the
/// backbone's number format. The one typed value the pipeline handles: it makes the cache keys
/// (`cacheSettings(view:)`) and a trained model's provenance (`provenance`), and is read back
/// from a model by `init(model:modelPath:request:)`.
public struct FeatureOptions: Sendable, Hashable, Codable {
  public var backbone: BackboneID
  /// Frames per clip; shorter clips are padded with masked rows up to this count.
  public var frames: Int
  public var sampling: SamplingMode
  /// The backbone's 1×1 convolutions' number format (resolve `--precision` with
  /// `PrecisionChoice.resolved()`); float32 unless asked.
  public var precision: Precision
  /// The views encoded of each training clip (`--augment`), the frames as decoded first.
  public var trainingViews: [FeatureView]
  /// The views of a clip whose probabilities a model made with these options averages at
  /// prediction, the frames as decoded first: with `--augment crops` the squares at both ends
  /// of the long side join the centre one, since a model trained on them reads them too.
  public var testViews: [FeatureView]

  public init(
    backbone: BackboneID = .default, frames: Int = 20, sampling: SamplingMode = .uniform,
    precision: Precision = .f32, trainingViews: [FeatureView] = [.original],
    testViews: [FeatureView] = [.original]
  ) {
    precondition(frames > 0, "a clip needs at least one frame")
    self.backbone = backbone
    self.frames = frames
    self.sampling = sampling
    self.precision = precision
    self.trainingViews = FeatureExtractor.normalized(trainingViews)
    self.testViews = FeatureExtractor.normalized(testViews)
  }

  /// The views to extract of a clip a model made with these options classifies: its
  /// `testViews`, and the mirrored frames too with `flip` (`--tta flip`).
  public func testViews(flip: Bool) -> [FeatureView] {
    FeatureExtractor.normalized(testViews + (flip ? [.flipped] : []))
  }

  /// The square crop fed to the backbone: its input size.
  public var cropSize: Int { backbone.spec.inputSize }

  /// SHA-256 of the backbone's weights: the pinned digest, which every checkpoint an extractor
  /// loads is verified against.
  public var weightsSHA256: String { backbone.spec.weights.checkpoint.sha256 }

  /// The frames VideoIO decodes for one clip.
  public var frameSampling: FrameSampling { sampling.frameSampling(frames: frames) }

  /// The settings half of the cache key for `view`.
  public func cacheSettings(view: FeatureView) -> ExtractionSettings {
    ExtractionSettings(
      backbone: backbone, weightsSHA256: weightsSHA256, sampling: sampling, frameCount: frames,
      cropSize: cropSize, view: view, precision: precision == .f32 ? nil : precision)
  }

  /// How features made with these options are described in a model, so that it is only ever
  /// applied to features made the same way.
  public var provenance: FeatureProvenance {
    let normalization = backbone.spec.normalization
    func numbers(_ v: SIMD3<Float>) -> [Double] { [v.x, v.y, v.z].map(Double.init) }
    return FeatureProvenance(
      backbone: backbone.rawValue, backboneWeightsSHA256: weightsSHA256,
      preprocessing: "centre square crop resized to \(cropSize)×\(cropSize), \(normalization)",
      normalization: PixelNormalization(
        mean: numbers(normalization.mean), std: numbers(normalization.std)),
      sampling: sampling.rawValue, frameCount: frames, cropSize: cropSize, precision: precision,
      trainingViews: Self.recorded(trainingViews), testViews: Self.recorded(testViews))
  }

  /// How `views` are written in a provenance: nil for the frames as decoded alone, so models
  /// made without views read as they did before views were recorded.
  private static func recorded(_ views: [FeatureView]) -> [String]? {
    views == [.original] ? nil : views.map(\.rawValue)
  }

  /// One line for logs, e.g. `efficientnet-lite0, uniform 20 frames, 224×224, bf16`.
  public var summary: String {
    "\(backbone.rawValue), \(sampling.rawValue) \(frames) frame\(frames == 1 ? "" : "s"), "
      + "\(cropSize)×\(cropSize), \(precision.rawValue)"
  }
}
