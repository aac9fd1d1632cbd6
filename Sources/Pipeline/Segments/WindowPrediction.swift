import Foundation

/// The classification of one window of a long video.
///
/// Encodes as `{"start", "end", "start_frame", "end_frame", "label", "confidence",
/// "probabilities"}`: seconds, the source frames of its first and last samples, the most
/// probable class with its probability, and every class's probability in the model's order.
public struct WindowPrediction: Sendable, Hashable, Codable {
  /// Seconds from the start of the video to the window's first sample.
  public var start: Double
  /// Seconds to the end of the window's last sample slot (its time plus one sample interval),
  /// so consecutive windows of a stride of one sample tile the video.
  public var end: Double
  public var startFrame: Int
  public var endFrame: Int
  /// The most probable class.
  public var label: String
  /// Its probability: the window's maximum probability, the score rejection thresholds.
  public var confidence: Float
  /// Every class's probability, in the model's class order.
  public var probabilities: [Float]
  /// The window's feature-space "none of these" score, when the model has one.
  public var featureScore: Float?

  public init(
    start: Double, end: Double, startFrame: Int, endFrame: Int, label: String,
    confidence: Float, probabilities: [Float], featureScore: Float? = nil
  ) {
    self.featureScore = featureScore
    self.start = start
    self.end = end
    self.startFrame = startFrame
    self.endFrame = endFrame
    self.label = label
    self.confidence = confidence
    self.probabilities = probabilities
  }

  /// The middle of the window, where its label is placed on the time axis.
  public var centre: Double { (start + end) / 2 }

  enum CodingKeys: String, CodingKey {
    case start, end, label, confidence, probabilities
    case featureScore = "feature_score"
    case startFrame = "start_frame"
    case endFrame = "end_frame"
  }
}

/// A stretch of a long video given one label: a class, or `Segment.background` when nothing
/// known happens (the windows' scores fell below the rejection threshold).
///
/// Encodes as `{"start", "end", "start_frame", "end_frame", "label", "confidence"}`.
public struct Segment: Sendable, Hashable, Codable {
  /// The label of a stretch where no class of the model is confidently seen.
  public static let background = "background"

  public var start: Double
  public var end: Double
  public var startFrame: Int
  /// The last frame of the segment (inclusive).
  public var endFrame: Int
  public var label: String
  /// The mean probability of `label` over the segment's windows; for a background segment the
  /// mean of their maximum probabilities.
  public var confidence: Float

  public init(
    start: Double, end: Double, startFrame: Int, endFrame: Int, label: String, confidence: Float
  ) {
    self.start = start
    self.end = end
    self.startFrame = startFrame
    self.endFrame = endFrame
    self.label = label
    self.confidence = confidence
  }

  /// Seconds the segment lasts.
  public var duration: Double { end - start }

  /// `12.50–18.25  Basketball  0.93`.
  public var text: String {
    String(format: "%.2f–%.2f  ", start, end) + label + String(format: "  %.2f", confidence)
  }

  enum CodingKeys: String, CodingKey {
    case start, end, label, confidence
    case startFrame = "start_frame"
    case endFrame = "end_frame"
  }
}

/// The segments of one video, as `vidi predict --segments` reports them.
///
/// Encodes as `{"video", "duration", "frame_rate", "classes", "window", "smoothing",
/// "reject_threshold", "reject_score", "segments": [...], "windows": [...]}` (times in
/// seconds; window probabilities in the order of `classes`).
public struct VideoSegments: Sendable, Hashable, Codable {
  public var video: String
  /// Seconds, as far as the video was decoded.
  public var duration: Double
  public var frameRate: Double
  public var classes: [String]
  public var window: WindowPlan
  /// How windows were smoothed into segments, e.g. `viterbi:1`.
  public var smoothing: String
  /// The rejection threshold applied, if any.
  public var rejectThreshold: Float?
  /// The score it applies to, e.g. "max-probability" or "class-mean-cosine".
  public var rejectScore: String?
  public var segments: [Segment]
  public var windows: [WindowPrediction]

  public init(
    video: String, duration: Double, frameRate: Double, classes: [String], window: WindowPlan,
    smoothing: String, rejectThreshold: Float?, rejectScore: String? = nil, segments: [Segment],
    windows: [WindowPrediction]
  ) {
    self.rejectScore = rejectScore
    self.video = video
    self.duration = duration
    self.frameRate = frameRate
    self.classes = classes
    self.window = window
    self.smoothing = smoothing
    self.rejectThreshold = rejectThreshold
    self.segments = segments
    self.windows = windows
  }

  enum CodingKeys: String, CodingKey {
    case video, duration, classes, window, smoothing, segments, windows
    case frameRate = "frame_rate"
    case rejectThreshold = "reject_threshold"
    case rejectScore = "reject_score"
  }

  /// The video's name, then one `start–end  label  confidence` line per segment.
  public var text: String {
    ([video + String(format: " (%.2f s)", duration)] + segments.map { "  " + $0.text })
      .joined(separator: "\n")
  }
}
