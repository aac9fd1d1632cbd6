import Foundation
import Reporting
import SequenceModels
import VideoIO

/// Classifies a long video or a stream window by window, incrementally: frames sampled at the
/// plan's rate are pushed in as they are decoded, each is encoded once, and its features go
/// into a ring buffer one window long; every stride the window in the buffer is classified.
/// Memory follows the window, not the video.
///
///     let engine = SegmentEngine(predictor: predictor, plan: WindowPlan(model: predictor.model))
///     let stream = try FrameStream(url: url, rate: engine.plan.sampleRate, size: engine.frameSize)
///     var batch = FrameBatch(size: engine.frameSize)
///     var windows: [WindowPrediction] = []
///     while try stream.next(into: &batch, limit: 16) { windows += try engine.push(batch) }
///     windows += try engine.finish()
///
/// Used from one thread at a time; encoding keeps the predictor's threads busy.
public final class SegmentEngine {
  public let model: TrainedModel
  public let plan: WindowPlan
  /// Side of the square frames `push` expects: the backbone's input.
  public let frameSize: Int
  private let encoder: ClipEncoder
  private var ring: FeatureRing
  /// Samples pushed so far.
  public private(set) var samples = 0
  /// Samples that the last classified window ended at (exclusive); nil before the first.
  private var classifiedThrough: Int?

  /// An engine classifying with `predictor`'s model and encoders.
  public init(predictor: VideoPredictor, plan: WindowPlan) {
    model = predictor.model
    self.plan = plan
    frameSize = predictor.options.cropSize
    encoder = ClipEncoder(encoders: predictor.encoders)
    ring = FeatureRing(capacity: plan.framesPerWindow, dimension: model.featureDimension)
  }

  /// Encodes the frames of `batch` (sampled at `plan.sampleRate`, in order, as `FrameStream`
  /// gives them) and returns the windows completed by them, in time order.
  public func push(_ batch: FrameBatch) throws -> [WindowPrediction] {
    guard batch.count > 0 else { return [] }
    let features = encoder.features(of: batch, views: [.original], frames: batch.count)[.original]!
    var due: [FeatureRing.Window] = []
    for row in 0..<batch.count {
      ring.append(
        features.row(row), frame: batch.frameIndices[row], time: batch.timestamps[row])
      samples += 1
      let full = samples >= plan.framesPerWindow
      if full && (samples - plan.framesPerWindow) % plan.strideSamples == 0 {
        due.append(ring.window(interval: 1 / plan.sampleRate))
        classifiedThrough = samples
      }
    }
    return try classify(due)
  }

  /// The last window, once the video has ended: the final `framesPerWindow` samples when the
  /// stride left some unclassified, or every sample of a video shorter than one window (padded
  /// as a short training clip is). Empty when nothing is left.
  public func finish() throws -> [WindowPrediction] {
    guard samples > 0, classifiedThrough != samples else { return [] }
    classifiedThrough = samples
    return try classify([ring.window(interval: 1 / plan.sampleRate)])
  }

  private func classify(_ windows: [FeatureRing.Window]) throws -> [WindowPrediction] {
    guard !windows.isEmpty else { return [] }
    let frames = plan.framesPerWindow
    let dimension = model.featureDimension
    let clips = windows.map { window in
      let padding = (frames - window.length) * dimension
      return SequenceClip(
        features: window.values + repeatElement(0, count: padding), length: window.length,
        label: 0)
    }
    let probabilities = try model.predict(clips)
    let rejection = model.calibration?.featureRejection
    return zip(windows, probabilities).map { window, probabilities in
      let best = EvaluationMetrics.ranking(probabilities)[0]
      return WindowPrediction(
        start: window.start, end: window.end, startFrame: window.startFrame,
        endFrame: window.endFrame, label: model.classes[best], confidence: probabilities[best],
        probabilities: probabilities,
        featureScore: rejection?.score(features: window.values, length: window.length))
    }
  }
}

/// The features of the last `capacity` samples, oldest overwritten first.
struct FeatureRing {
  let capacity: Int
  let dimension: Int
  private var values: [Float]
  private var frames: [Int]
  private var times: [Double]
  /// Samples held, up to `capacity`.
  private(set) var count = 0
  /// Where the next sample goes.
  private var head = 0

  /// A copy of the samples in the ring, oldest first, with their span.
  struct Window {
    var values: [Float]
    var length: Int
    var start: Double
    var end: Double
    var startFrame: Int
    var endFrame: Int
  }

  init(capacity: Int, dimension: Int) {
    precondition(capacity > 0 && dimension > 0, "an empty ring")
    self.capacity = capacity
    self.dimension = dimension
    values = Array(repeating: 0, count: capacity * dimension)
    frames = Array(repeating: 0, count: capacity)
    times = Array(repeating: 0, count: capacity)
  }

  mutating func append(_ row: ArraySlice<Float>, frame: Int, time: Double) {
    precondition(row.count == dimension, "a row of the ring's width")
    values.replaceSubrange(head * dimension..<(head + 1) * dimension, with: row)
    frames[head] = frame
    times[head] = time
    head = (head + 1) % capacity
    count = min(count + 1, capacity)
  }

  /// The samples held, oldest first; the window ends `interval` after its last sample.
  func window(interval: Double) -> Window {
    precondition(count > 0, "an empty ring has no window")
    let first = (head - count + capacity) % capacity
    let order = (0..<count).map { (first + $0) % capacity }
    let last = order[order.count - 1]
    return Window(
      values: order.flatMap { values[$0 * dimension..<($0 + 1) * dimension] }, length: count,
      start: times[first], end: times[last] + interval, startFrame: frames[first],
      endFrame: frames[last])
  }
}
