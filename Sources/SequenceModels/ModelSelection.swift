/// One model trained during selection and how it scored on the validation clips all candidates
/// shared.
public struct CandidateScore: Sendable, Codable, Equatable {
  public var model: ModelKind
  /// Accuracy of the weights the candidate kept, on the shared validation clips.
  public var validationAccuracy: Double
  /// Mean cross-entropy of those weights on the same clips.
  public var validationLoss: Double
  /// The epoch whose weights the candidate kept.
  public var bestEpoch: Int
  /// The epochs it ran (early stopping may end before the limit).
  public var epochs: Int
  public var seconds: Double

  public init(
    model: ModelKind, validationAccuracy: Double, validationLoss: Double, bestEpoch: Int,
    epochs: Int, seconds: Double
  ) {
    self.model = model
    self.validationAccuracy = validationAccuracy
    self.validationLoss = validationLoss
    self.bestEpoch = bestEpoch
    self.epochs = epochs
    self.seconds = seconds
  }
}

/// How a model was chosen among candidates trained on the same data, kept in the model file so
/// a report can explain the choice.
public struct ModelSelection: Sendable, Codable, Equatable {
  /// The rule applied, e.g. "best validation accuracy; ties: lower validation loss".
  public var rule: String
  /// How the validation clips were chosen.
  public var validation: String
  /// Every candidate, in the order they were trained.
  public var candidates: [CandidateScore]
  public var chosen: ModelKind
  /// One sentence: why `chosen` won.
  public var reason: String

  public init(
    rule: String, validation: String, candidates: [CandidateScore], chosen: ModelKind,
    reason: String
  ) {
    self.rule = rule
    self.validation = validation
    self.candidates = candidates
    self.chosen = chosen
    self.reason = reason
  }
}

extension TrainedModel {
  /// The per-frame classifier a model carries for prediction timelines, if any.
  public var frameClassifier: TrainedModel? { nestedFrameClassifier.first }

  /// Whether `timeline(features:length:)` gives per-frame probabilities: the model classifies
  /// frames itself or carries a frame classifier.
  public var hasTimeline: Bool { hasFrameProbabilities || frameClassifier != nil }

  /// This model with `selection` recorded.
  public func withSelection(_ selection: ModelSelection?) -> TrainedModel {
    var copy = self
    copy.selection = selection
    return copy
  }

  /// This model carrying `classifier` (or none) for timelines. The classifier must classify
  /// single frames into the same classes from features of the same width.
  public func withFrameClassifier(_ classifier: TrainedModel?) throws(SequenceModelError)
    -> TrainedModel
  {
    if let classifier {
      guard classifier.hasFrameProbabilities else {
        throw .invalidData("frame classifier: \(classifier.kind.rawValue) does not classify frames")
      }
      guard classifier.classes == classes, classifier.featureDimension == featureDimension else {
        throw .invalidData("frame classifier: classes or feature dimension differ from the model's")
      }
    }
    var copy = self
    copy.nestedFrameClassifier = classifier.map { [$0] } ?? []
    return copy
  }

  /// Each valid frame's class probabilities, from the model itself when it classifies frames,
  /// else from its frame classifier; nil when it has neither.
  public func timeline(features: [Float], length: Int) throws -> [[Float]]? {
    if hasFrameProbabilities { return try frameProbabilities(features: features, length: length) }
    return try frameClassifier?.frameProbabilities(features: features, length: length)
  }
}
