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

  /// The threshold to apply with `model`; nil for none.
  public func threshold(for model: TrainedModel) -> Float? {
    switch self {
    case .auto: model.calibration?.rejection?.threshold
    case .threshold(let value): value
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

/// A clip's answer replaced by "unknown": its score (the maximum probability) fell below the
/// rejection threshold. Encodes as `{"label": "unknown", "score", "threshold"}`.
public struct Rejection: Sendable, Hashable, Codable {
  public var label: String
  public var score: Float
  public var threshold: Float

  public init(score: Float, threshold: Float) {
    label = RejectOption.unknown
    self.score = score
    self.threshold = threshold
  }
}

extension Prediction {
  /// This prediction, marked "unknown" when its top probability is below `threshold` (nil:
  /// unchanged). The ranked classes stay, so the near misses remain visible.
  public func rejecting(below threshold: Float?) -> Prediction {
    guard let threshold, let score = predictions.first?.probability, score < threshold else {
      return self
    }
    var copy = self
    copy.rejection = Rejection(score: score, threshold: threshold)
    return copy
  }

  /// The answer: "unknown" when rejected, else the most probable class.
  public var answer: String? { rejection?.label ?? predictions.first?.label }
}
