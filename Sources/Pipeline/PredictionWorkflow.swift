import Foundation
import Reporting
import SequenceModels

/// One frame of a prediction timeline: the frame's source index, its time in the clip and the
/// per-frame classifier's probabilities for the predicted classes.
public struct TimelineFrame: Sendable, Hashable, Codable {
  /// Index of the frame in the video.
  public var frame: Int
  /// Seconds from the start of the clip (the frame index over the clip's frame rate); nil when
  /// the frame rate is unknown.
  public var time: Double?
  /// In the order of the prediction's ranking.
  public var probabilities: [LabelProbability]

  public init(frame: Int, time: Double? = nil, probabilities: [LabelProbability]) {
    self.frame = frame
    self.time = time
    self.probabilities = probabilities
  }
}

/// How many of the frames a clip's sampling asked for were decoded. A damaged file may give
/// only one or two, and a classification from so few deserves a warning.
public struct FrameCoverage: Sendable, Hashable, Codable {
  /// The frames the sampling asked for (`--frames`).
  public var requested: Int
  /// Distinct frames decoded among them.
  public var decoded: Int

  public init(requested: Int, decoded: Int) {
    self.requested = requested
    self.decoded = decoded
  }

  /// The coverage of extracted features: their rows, and the distinct source frames of the
  /// rows that hold a real frame (a frame repeated for two sample points counts once).
  public init(_ features: CachedFeatures) {
    requested = features.frameCount
    decoded = Set(zip(features.frameIndices, features.mask).filter(\.1).map(\.0)).count
  }

  /// Under half the requested frames: the answer rests on too few to be trusted.
  public var isSparse: Bool { decoded * 2 < requested }

  /// A one-line warning for a sparse clip, nil otherwise.
  public func warning(for video: String) -> String? {
    guard isSparse else { return nil }
    return "\(video): only \(decoded) of the \(requested) frames requested could be decoded; "
      + "the result rests on few frames"
  }
}

/// The classes of one video ranked by probability, with an optional per-frame timeline.
///
/// Encodes as `{"video": PATH, "predictions": [{"label": L, "probability": P}, ...]}`, plus
/// `"timeline": [{"frame": F, "time": SECONDS, "probabilities": [...]}, ...]` when one was asked
/// for, and `"sampled_frames": {"requested": 16, "decoded": N}` (with a `"warning"` when under
/// half decoded) when the frames are known.
public struct Prediction: Sendable, Hashable, Codable {
  public var video: String
  /// Most probable first.
  public var predictions: [LabelProbability]
  /// One entry per real frame, from the per-frame classifier.
  public var timeline: [TimelineFrame]?
  /// How many of the requested frames were decoded.
  public var sampledFrames: FrameCoverage?
  /// Set when the answer is "unknown": the top probability fell below the rejection threshold.
  public var rejection: Rejection?
  /// The clip's feature-space "none of these" score (`FeatureRejection`), when the model
  /// has one.
  public var featureScore: Float?

  public init(
    video: String, predictions: [LabelProbability], timeline: [TimelineFrame]? = nil,
    sampledFrames: FrameCoverage? = nil
  ) {
    self.video = video
    self.predictions = predictions
    self.timeline = timeline
    self.sampledFrames = sampledFrames
  }

  /// Says when the prediction rests on under half the requested frames.
  public var warning: String? { sampledFrames?.warning(for: video) }

  enum CodingKeys: String, CodingKey {
    case video, predictions, timeline, warning, rejection
    case featureScore = "feature_score"
    case sampledFrames = "sampled_frames"
  }

  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    video = try container.decode(String.self, forKey: .video)
    predictions = try container.decode([LabelProbability].self, forKey: .predictions)
    timeline = try container.decodeIfPresent([TimelineFrame].self, forKey: .timeline)
    sampledFrames = try container.decodeIfPresent(FrameCoverage.self, forKey: .sampledFrames)
    rejection = try container.decodeIfPresent(Rejection.self, forKey: .rejection)
    featureScore = try container.decodeIfPresent(Float.self, forKey: .featureScore)
  }

  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(video, forKey: .video)
    try container.encode(predictions, forKey: .predictions)
    try container.encodeIfPresent(timeline, forKey: .timeline)
    try container.encodeIfPresent(sampledFrames, forKey: .sampledFrames)
    try container.encodeIfPresent(warning, forKey: .warning)
    try container.encodeIfPresent(rejection, forKey: .rejection)
    try container.encodeIfPresent(featureScore, forKey: .featureScore)
  }

  /// The plain-text form: the video, then `Label: 56.50%` per class, then the timeline as a
  /// table of frames by class when present. A clip with fewer frames decoded than requested
  /// says so under its name.
  public var text: String {
    var lines = [video]
    if let frames = sampledFrames, frames.decoded < frames.requested {
      lines.append(
        "  frames: \(frames.decoded) of \(frames.requested) decoded"
          + (frames.isSparse ? " (warning: under half; the result rests on few frames)" : ""))
    }
    if let rejection {
      lines.append(
        "  \(rejection.label) (score \(LabelProbability.percent(rejection.score)) below the threshold "
          + "\(LabelProbability.percent(rejection.threshold)))")
    }
    lines += predictions.map { "  \($0.label): \(LabelProbability.percent($0.probability))" }
    if let timeline {
      let labels = predictions.map(\.label)
      let widths = labels.map { max($0.count, 7) }
      lines.append("  timeline (per-frame classifier):")
      lines.append(
        "    " + pad("time", 8) + pad("frame", 7)
          + zip(labels, widths).map { "  " + pad($0, $1) }.joined())
      for entry in timeline {
        lines.append(
          "    " + pad(entry.time.map(Self.seconds) ?? "-", 8) + pad(String(entry.frame), 7)
            + zip(entry.probabilities, widths).map {
              "  " + pad(LabelProbability.percent($0.probability), $1)
            }.joined())
      }
    }
    return lines.joined(separator: "\n")
  }

  /// Seconds with two decimals, e.g. "1.20s".
  public static func seconds(_ time: Double) -> String { String(format: "%.2fs", time) }

  /// JSON for a batch, keys sorted: the object itself for a single prediction, else an array
  /// (always an array with `array`, e.g. when several videos were asked for and one failed).
  public static func jsonData(_ predictions: [Prediction], array: Bool = false) throws -> Data {
    if predictions.count == 1 && !array { return try PrettyJSON.encode(predictions[0]) }
    return try PrettyJSON.encode(predictions)
  }
}

/// Applies a trained model to one video's extracted features.
public enum PredictionWorkflow {
  /// The `topK` most probable classes of `clip` (all when nil or more than there are). The
  /// probabilities of the clip's other `views` are averaged in (`--tta flip`; the end squares
  /// of a model trained on them). With `timeline`, adds per-frame
  /// probabilities of those classes from the model's per-frame classifier (none when the model
  /// has no timeline), with each frame's time when the clip's `frameRate` is known.
  /// `provenance` says how the features were made and must match the model's.
  public static func predict(
    _ model: TrainedModel, modelPath: String, clip: ClipFeatures, views: [ClipFeatures] = [],
    provenance: FeatureProvenance?, topK: Int? = nil, timeline: Bool = false,
    frameRate: Double? = nil
  ) throws -> Prediction {
    if let provenance { try model.checkProvenance(provenance, modelPath: modelPath) }
    try EvaluationWorkflow.checkDimensions([clip] + views, model: model)
    var probabilities = try model.predict(features: clip.values, length: clip.length)
    for view in views {
      let other = try model.predict(features: view.values, length: view.length)
      for k in other.indices { probabilities[k] += other[k] }
    }
    if !views.isEmpty {
      probabilities = probabilities.map { $0 / Float(views.count + 1) }
    }
    let ranked = Array(
      EvaluationMetrics.ranking(probabilities).prefix(max(topK ?? model.classes.count, 1)))
    func labelled(_ values: [Float]) -> [LabelProbability] {
      ranked.map { LabelProbability(label: model.classes[$0], probability: values[$0]) }
    }
    var frames: [TimelineFrame]?
    if timeline, let rows = try model.timeline(features: clip.values, length: clip.length) {
      frames = rows.enumerated().map {
        let frame = clip.frameIndices[$0]
        return TimelineFrame(
          frame: frame, time: frameRate.flatMap { $0 > 0 ? Double(frame) / $0 : nil },
          probabilities: labelled($1))
      }
    }
    return Prediction(video: clip.path, predictions: labelled(probabilities), timeline: frames)
  }
}
