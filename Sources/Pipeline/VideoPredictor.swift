import Backbones
import Foundation
import SequenceModels
import VideoIO

/// A trained model ready to classify video files: the model, the feature options it was trained
/// with and an extractor that makes features that way. `vidi predict` and `vidi serve` both
/// classify through it.
///
/// Like its extractor, a predictor is used from one thread at a time; a server makes one per
/// worker.
public struct VideoPredictor: Sendable {
  public let model: TrainedModel
  /// Where the model was loaded from, for error messages.
  public let modelPath: String
  public let options: FeatureOptions
  public let extractor: FeatureExtractor

  /// Checks `request` (the user's feature options) and the backbone's provenance against
  /// `model`, once for every video this predictor classifies, and loads the backbone.
  public init(
    model: TrainedModel, modelPath: String, request: FeatureRequest = FeatureRequest(),
    cache: FeatureCache?, threads: Int? = nil, models: ModelStore = ModelStore()
  ) throws {
    let options = try FeatureOptions(model: model, modelPath: modelPath, request: request)
    self.model = model
    self.modelPath = modelPath
    self.options = options
    extractor = try FeatureExtractor(
      options: options, cache: cache, threads: threads, models: models)
  }

  /// The `topK` most probable classes of the video at `url` (all when nil), reported under
  /// `name` (the path by default), its probabilities averaged over the model's test-time views
  /// (`options.testViews`). `flip` averages in the mirrored frames too (`--tta flip`);
  /// `timeline` adds per-frame probabilities when the model has a per-frame classifier.
  public func predict(
    videoAt url: URL, name: String? = nil, flip: Bool = false, topK: Int? = nil,
    timeline: Bool = false
  ) throws -> Prediction {
    let path = name ?? url.path
    let views = options.testViews(flip: flip)
    let features = try extractor.features(ofVideoAt: url, views: views)
    guard let original = features[.original] else { throw ClipFeaturesError.noFrames(path: path) }
    let clip = try ClipFeatures(path: path, label: nil, view: .original, cached: original)
    let others = try views.filter { $0 != .original }.map { view in
      guard let cached = features[view] else { throw ClipFeaturesError.noFrames(path: path) }
      return try ClipFeatures(path: path, label: nil, view: view, cached: cached)
    }
    // The header read is cheap next to decoding, and only a timeline needs the frame rate.
    let frameRate = timeline ? (try? VideoReader.info(of: url))?.frameRate : nil
    // The provenance was checked once, when `options` were read from the model.
    var prediction = try PredictionWorkflow.predict(
      model, modelPath: modelPath, clip: clip, views: others,
      provenance: nil, topK: topK, timeline: timeline, frameRate: frameRate)
    prediction.sampledFrames = FrameCoverage(original)
    return prediction
  }
}
