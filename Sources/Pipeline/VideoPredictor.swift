import Backbones
import Foundation
import Reporting
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
  /// The extractor's backbone instances, for frames decoded here rather than by the extractor.
  let encoders: [FrameEncoder]

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
    encoders = try extractor.encoders()
  }

  /// The `topK` most probable classes of the video at `url` (all when nil), reported under
  /// `name` (the path by default), its probabilities averaged over the model's test-time views
  /// (`options.testViews`). `flip` averages in the mirrored frames too (`--tta flip`);
  /// `timeline` adds per-frame probabilities when the model has a per-frame classifier.
  public func predict(
    videoAt url: URL, name: String? = nil, flip: Bool = false, topK: Int? = nil,
    timeline: Bool = false
  ) throws -> Prediction {
    let views = options.testViews(flip: flip)
    let features = try extractor.features(ofVideoAt: url, views: views)
    // The header read is cheap next to decoding, and only a timeline needs the frame rate.
    let frameRate = timeline ? (try? VideoReader.info(of: url))?.frameRate : nil
    return try predict(
      features, views: views, path: name ?? url.path, topK: topK, timeline: timeline,
      frameRate: frameRate)
  }

  /// The clip answer of `predict(videoAt:...)` and the segments of
  /// `SegmentWorkflow.segments(of:...)` for the video at `url`, from one decode: the clip's
  /// frames are kept as the segments' pass goes by, and encoded as `predict` encodes them.
  /// `thumbnailSize` also keeps the clip's frames that small (`SegmentedPrediction.thumbnails`).
  ///
  /// Only when the video's header misstates its frame count, or the model's test views need
  /// squares other than the centre one, are the clip's frames read again (`decodePasses` 2):
  /// the pass keeps centre squares at places that depend on the true count.
  public func predictWithSegments(
    videoAt url: URL, name: String? = nil, flip: Bool = false, topK: Int? = nil,
    timeline: Bool = false, plan: WindowPlan, smoother: SegmentSmoother,
    thumbnailSize: Int? = nil
  ) throws -> SegmentedPrediction {
    let path = name ?? url.path
    let size = options.cropSize
    let sizes = [size] + (thumbnailSize.map { [$0] } ?? [])
    // A video that cannot be read fails as it does in `predict`.
    let pass: (segments: VideoSegments, kept: [Int: FrameBatch]?, decodedFrames: Int)
    do {
      pass = try SegmentWorkflow.pass(
        of: url, name: path, predictor: self, plan: plan, smoother: smoother,
        keeping: options.frameSampling, sizes: sizes)
    } catch let error as VideoError {
      throw ExtractionError.video(error)
    }
    let frameRate = timeline ? pass.segments.frameRate : nil
    let views = options.testViews(flip: flip)
    guard let kept = pass.kept, let frames = kept[size], views.allSatisfy({ $0.crop == .centre })
    else {
      let prediction = try predict(
        videoAt: url, name: name, flip: flip, topK: topK, timeline: timeline)
      let thumbnails = try thumbnailSize.map { size throws(ExtractionError) in
        do throws(VideoError) {
          return try ReportFrameStrip(
            videoAt: url, path: path, sampling: options.frameSampling, size: size)
        } catch {
          throw .video(error)
        }
      }
      return SegmentedPrediction(
        prediction: prediction, segments: pass.segments, thumbnails: thumbnails,
        decodePasses: 2, decodedFrames: pass.decodedFrames)
    }
    guard frames.count > 0 else { throw ClipFeaturesError.noFrames(path: path) }
    let encoder = ClipEncoder(encoders: encoders)
    let features = encoder.features(of: frames, views: views, frames: options.frames)
    let prediction = try predict(
      features, views: views, path: path, topK: topK, timeline: timeline, frameRate: frameRate)
    return SegmentedPrediction(
      prediction: prediction, segments: pass.segments,
      thumbnails: thumbnailSize.flatMap { kept[$0] }.map {
        ReportFrameStrip(frames: $0, path: path)
      },
      decodePasses: 1,
      decodedFrames: pass.decodedFrames)
  }

  /// The prediction for a clip's features, one entry per view of `views`.
  private func predict(
    _ features: [FeatureView: CachedFeatures], views: [FeatureView], path: String, topK: Int?,
    timeline: Bool, frameRate: Double?
  ) throws -> Prediction {
    guard let original = features[.original] else { throw ClipFeaturesError.noFrames(path: path) }
    let clip = try ClipFeatures(path: path, label: nil, view: .original, cached: original)
    let others = try views.filter { $0 != .original }.map { view in
      guard let cached = features[view] else { throw ClipFeaturesError.noFrames(path: path) }
      return try ClipFeatures(path: path, label: nil, view: view, cached: cached)
    }
    // The provenance was checked once, when `options` were read from the model.
    var prediction = try PredictionWorkflow.predict(
      model, modelPath: modelPath, clip: clip, views: others,
      provenance: nil, topK: topK, timeline: timeline, frameRate: frameRate)
    prediction.sampledFrames = FrameCoverage(original)
    prediction.featureScore = model.calibration?.featureRejection?.score(
      features: clip.values, length: clip.length)
    return prediction
  }
}

/// A video's clip answer and its segments, from `VideoPredictor.predictWithSegments`.
public struct SegmentedPrediction: Sendable {
  public var prediction: Prediction
  public var segments: VideoSegments
  /// The clip's frames at the thumbnail size asked for, as the model samples them.
  public var thumbnails: ReportFrameStrip?
  /// Passes over the video: 1, or 2 when its header misstated its frame count.
  public var decodePasses: Int
  /// Frames decoded by the segments' pass (every frame of the video).
  public var decodedFrames: Int
}
