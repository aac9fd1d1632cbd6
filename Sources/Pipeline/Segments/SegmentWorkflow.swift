import Foundation
import VideoIO

/// How far a segmentation has come, for a progress line with an ETA.
public struct SegmentProgress: Sendable, Hashable {
  /// Seconds of video processed.
  public var seconds: Double
  /// The video's length from its header; 0 when unknown (a stream).
  public var duration: Double
  /// Wall-clock seconds so far.
  public var elapsed: Double

  public init(seconds: Double, duration: Double, elapsed: Double) {
    self.seconds = seconds
    self.duration = duration
    self.elapsed = elapsed
  }

  /// Wall-clock seconds left at the speed so far; nil when the length is unknown.
  public var remaining: Double? {
    guard duration > 0, seconds > 0 else { return nil }
    return elapsed * max(duration - seconds, 0) / seconds
  }
}

/// Segments a video file: decodes it once, front to back, at the plan's sampling rate, pushes
/// the frames through a `SegmentEngine` and smooths the windows into segments.
public enum SegmentWorkflow {
  /// Samples decoded and encoded together: enough to keep every encoder thread busy, few
  /// enough that memory stays small (about 0.6 MB a frame at 224×224).
  static let batchFrames = 16

  /// The segments of the video at `url`, reported under `name` (the path by default).
  /// `progress` is called after every batch of frames.
  public static func segments(
    of url: URL, name: String? = nil, predictor: VideoPredictor, plan: WindowPlan,
    smoother: SegmentSmoother, progress: (SegmentProgress) -> Void = { _ in }
  ) throws -> VideoSegments {
    try pass(
      of: url, name: name, predictor: predictor, plan: plan, smoother: smoother,
      progress: progress
    ).segments
  }

  /// One decode of the video at `url`: its segments, and the frames `keeping` picks from the
  /// whole video at each of `sizes` (see `FrameStream.keptFrames`), with the frames decoded.
  static func pass(
    of url: URL, name: String?, predictor: VideoPredictor, plan: WindowPlan,
    smoother: SegmentSmoother, keeping: FrameSampling? = nil, sizes: [Int] = [],
    progress: (SegmentProgress) -> Void = { _ in }
  ) throws -> (segments: VideoSegments, kept: [Int: FrameBatch]?, decodedFrames: Int) {
    let engine = SegmentEngine(predictor: predictor, plan: plan)
    let stream = try FrameStream(
      url: url, rate: plan.sampleRate, size: engine.frameSize, keeping: keeping, sizes: sizes)
    let start = Date()
    var batch = FrameBatch(size: engine.frameSize, reservingFrames: batchFrames)
    var windows: [WindowPrediction] = []
    var seen = 0.0
    while try stream.next(into: &batch, limit: batchFrames) {
      windows += try engine.push(batch)
      seen = batch.timestamps.last ?? seen
      progress(
        SegmentProgress(
          seconds: seen, duration: stream.info.duration,
          elapsed: Date().timeIntervalSince(start)))
    }
    windows += try engine.finish()
    let frameRate = stream.info.frameRate
    let duration = max(stream.info.duration, seen + 1 / max(frameRate, 1))
    let segments = VideoSegments(
      video: name ?? url.path, duration: duration, frameRate: frameRate,
      classes: predictor.model.classes, window: plan, smoothing: smoother.smoothing.description,
      rejectThreshold: smoother.rejectThreshold, rejectScore: smoother.rejection?.score,
      segments: smoother.segments(windows, duration: duration, frameRate: frameRate),
      windows: windows)
    return (segments, stream.keptFrames, stream.decodedFrames)
  }
}
