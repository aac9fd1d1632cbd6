import ArgumentParser
import Backbones
import Foundation
import NumericCore
import Pipeline

extension SamplingMode: ExpressibleByArgument {}

/// `--augment` and `--tta`: the views encoded besides the frames as decoded.
enum Augmentation: String, ExpressibleByArgument, CaseIterable {
  /// The frames mirrored left to right.
  case flip
  /// The squares at both ends of the frame's long side (left and right of a landscape
  /// frame), beside the centre one; training only (`--augment`), and the model then reads
  /// them at prediction too.
  case crops
}

/// The feature options of the commands that choose them (`extract`, `train`).
struct FeatureArguments: ParsableArguments {
  @Option(help: "Backbone that encodes the frames.")
  var backbone: BackboneID = .default

  @Option(parsing: .unconditional, help: "Frames sampled per clip.")
  var frames = 20

  @Option(help: "How frames are sampled: uniform (over the whole clip) or first.")
  var sampling: SamplingMode = .uniform

  @Option(
    help: """
      Add augmented views (repeat to combine): flip (frames mirrored left to right; only \
      where mirroring keeps the class, not for e.g. clockwise vs counterclockwise); crops \
      (the squares at both ends of the long side too, which the model also averages at \
      prediction: each clip costs three times the extraction).
      """)
  var augment: [Augmentation] = []

  func validate() throws {
    try Console.checkFrames(frames)
  }

  func options(precision: Precision) -> FeatureOptions {
    FeatureOptions(
      backbone: backbone, frames: frames, sampling: sampling, precision: precision,
      trainingViews: views, testViews: FeatureView.views(flip: false, crops: crops))
  }

  private var crops: Bool { augment.contains(.crops) }

  var views: [FeatureView] { FeatureView.views(flip: augment.contains(.flip), crops: crops) }
}

/// The feature options of the commands that apply a trained model (`evaluate`, `predict`): the
/// model's own unless given, and then they must agree with it.
struct ModelFeatureArguments: ParsableArguments {
  @Option(
    help: """
      Test-time augmentation: flip (average with the mirrored frames too). A model trained \
      with --augment crops always averages its squares.
      """)
  var tta: Augmentation?

  @Option(help: "Backbone (must be the model's own).")
  var backbone: BackboneID?

  @Option(parsing: .unconditional, help: "Frames sampled per video (must be the model's own).")
  var frames: Int?

  @Option(help: "Frame sampling (must be the model's own).")
  var sampling: SamplingMode?

  func validate() throws {
    if let frames { try Console.checkFrames(frames) }
    if tta == .crops {
      throw ValidationError(
        "--tta takes flip; a model trained with --augment crops averages its squares by itself.")
    }
  }

  func request(precision: Precision) -> FeatureRequest {
    FeatureRequest(backbone: backbone, frames: frames, sampling: sampling, precision: precision)
  }

  var flip: Bool { tta == .flip }
}

/// Where features are cached and how many cores make them, for every command that extracts.
struct ExtractionArguments: ParsableArguments {
  @Option(help: "Feature cache folder (default: $VIDI_HOME/features, ~/.cache/vidi/features).")
  var cache: String?

  @Option(parsing: .unconditional, help: "Cores to use (default: all).")
  var threads: Int?

  @OptionGroup var precisionOption: PrecisionOption

  func validate() throws {
    if let threads, threads < 1 { throw ValidationError("--threads must be at least 1.") }
  }

  var cacheFolder: URL { Console.cacheFolder(cache) }

  var featureCache: FeatureCache { FeatureCache(directory: cacheFolder) }

  /// `--precision` resolved for this CPU; a one-line error and a failing exit when it cannot.
  func precision() throws -> Precision { try precisionOption.resolved() }
}
