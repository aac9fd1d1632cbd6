import Foundation
import SequenceModels

/// `--reject`: when an answer is "none of these".
public enum RejectOption: Sendable, Hashable, CustomStringConvertible {
  /// The threshold calibrated at training time; none when the model has none.
  case auto
  /// This maximum probability.
  case threshold(Float)
  /// Never reject: today's answers.
  case none

  /// The label of a clip whose answer is rejected.
  public static let unknown = "unknown"

  /// Parses `auto`, `none` or a probability in 0...1.
  public init?(argument: String) {
    switch argument {
    case "auto": self = .auto
    case "none": self = .none
    default:
      guard let value = Float(argument), (0...1).contains(value) else { return nil }
      self = .threshold(value)
    }
  }

  /// The rule to apply with `model`: with `auto`, its feature-space rejection when it has one,
  /// else its maximum-probability threshold; nil for none. For `windows` of a long video the
  /// feature rule takes its window threshold when the model has one (`WindowThreshold`).
  public func rule(for model: TrainedModel, windows: Bool = false) -> RejectionRule? {
    switch self {
    case .auto:
      model.calibration?.featureRejection.map {
        RejectionRule.features(
          windows ? $0.forWindows : $0,
          probabilityFloor: model.calibration?.rejection?.threshold)
      } ?? model.calibration?.rejection.map { .maxProbability($0.threshold) }
    case .threshold(let value): .maxProbability(value)
    case .none: nil
    }
  }

  public var description: String {
    switch self {
    case .auto: "auto"
    case .threshold(let value): String(format: "%g", value)
    case .none: "none"
    }
  }
}

/// When an answer is "none of these": a score and the threshold it must reach.
public enum RejectionRule: Sendable, Hashable {
  /// The maximum class probability, below this.
  case maxProbability(Float)
  /// The feature-space score (`FeatureRejection`) below its threshold, or the maximum
  /// probability below `probabilityFloor`: each catches unknowns the other misses (a clip
  /// unlike the training data; a clip between two classes), and on the bench's long videos
  /// rejecting on either labels background better than either alone.
  case features(FeatureRejection, probabilityFloor: Float?)

  public var threshold: Float {
    switch self {
    case .maxProbability(let value): value
    case .features(let rejection, _): rejection.threshold
    }
  }

  /// The name of the maximum-probability score, as models record it.
  public static let maxProbabilityScore = "max-probability"

  /// The name of the score thresholded, as models record it.
  public var score: String {
    switch self {
    case .maxProbability: Self.maxProbabilityScore
    case .features(let rejection, _): rejection.score
    }
  }
}

/// A clip's answer replaced by "unknown": its score fell below the rejection threshold.
/// Encodes as `{"label": "unknown", "score", "threshold"}`, plus `"method"` (the score's name)
/// when it is not the maximum probability.
public struct Rejection: Sendable, Hashable, Codable {
  public var label: String
  public var score: Float
  public var threshold: Float
  /// The score's name, e.g. "class-mean-cosine"; nil for the maximum probability.
  public var method: String?

  public init(score: Float, threshold: Float, method: String? = nil) {
    label = RejectOption.unknown
    self.score = score
    self.threshold = threshold
    self.method = method
  }
}

extension Prediction {
  /// This prediction, marked "unknown" when its top probability is below `threshold` (nil:
  /// unchanged). The ranked classes stay, so the near misses remain visible.
  private func rejecting(below threshold: Float?) -> Prediction {
    guard let threshold, let score = predictions.first?.probability, score < threshold else {
      return self
    }
    var copy = self
    copy.rejection = Rejection(score: score, threshold: threshold)
    return copy
  }

  /// This prediction, marked "unknown" when `rule`'s score is below its threshold (nil:
  /// unchanged). A feature-space rule rejects on `featureScore` (nothing without one), then on
  /// its probability floor.
  public func rejecting(_ rule: RejectionRule?) -> Prediction {
    switch rule {
    case .none: return self
    case .maxProbability(let threshold): return rejecting(below: threshold)
    case .features(let rejection, let floor):
      guard let score = featureScore, score < rejection.threshold else {
        return rejecting(below: floor)
      }
      var copy = self
      copy.rejection = Rejection(
        score: score, threshold: rejection.threshold, method: rejection.score)
      return copy
    }
  }

  /// The answer: "unknown" when rejected, else the most probable class.
  public var answer: String? { rejection?.label ?? predictions.first?.label }
}
