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
  /// The grid setting scored, e.g. "C=1" or "hidden 128, dropout 0.3"; nil for the model's
  /// defaults (and in files from before grids).
  public var setting: String?
  /// The hyperparameters of that setting.
  public var hyperparameters: ModelHyperparameters?
  /// Under cross-validation `validationAccuracy` and `validationLoss` are means over the
  /// folds; these are their standard deviations (nil for a single validation split).
  public var accuracySD: Double?
  public var lossSD: Double?
  /// Each fold's accuracy and log loss, in fold order.
  public var foldAccuracies: [Double]?
  public var foldLosses: [Double]?
  /// Its training curves, one record per epoch: on a single split the run that was scored;
  /// under cross-validation each epoch's mean over the folds that ran it. Nil in files from
  /// before it was recorded.
  public var history: [EpochRecord]?
  /// For the ensemble candidate, its members' names (`name` of their scores), best first;
  /// `model` is then the first member's kind. Nil for a single model.
  public var members: [String]?

  public init(
    model: ModelKind, validationAccuracy: Double, validationLoss: Double, bestEpoch: Int,
    epochs: Int, seconds: Double, setting: String? = nil,
    hyperparameters: ModelHyperparameters? = nil
  ) {
    self.model = model
    self.validationAccuracy = validationAccuracy
    self.validationLoss = validationLoss
    self.bestEpoch = bestEpoch
    self.epochs = epochs
    self.seconds = seconds
    self.setting = setting
    self.hyperparameters = hyperparameters
  }

  /// A score from each fold's accuracy and log loss: their means and standard deviations.
  /// `bestEpoch` is the epoch count the refit trains for, `epochs` the mean epochs run.
  public init(
    model: ModelKind, folds: [(accuracy: Double, loss: Double)], bestEpoch: Int, epochs: Int,
    seconds: Double, setting: String?, hyperparameters: ModelHyperparameters?
  ) {
    let accuracies = folds.map { $0.accuracy }
    let losses = folds.map { $0.loss }
    self.init(
      model: model, validationAccuracy: mean(accuracies), validationLoss: mean(losses),
      bestEpoch: bestEpoch, epochs: epochs, seconds: seconds, setting: setting,
      hyperparameters: hyperparameters)
    accuracySD = standardDeviation(accuracies)
    lossSD = standardDeviation(losses)
    foldAccuracies = accuracies
    foldLosses = losses
  }

  /// Where the candidate stands from simplest (0) to most complex, for the one-standard-error
  /// rule: linear, frame-average, mean-pool, seed-gru, gru, lstm, then any ensemble. Convex,
  /// deterministic fits come first; recurrent models after the pooled ones, larger after
  /// smaller; an ensemble holds several models.
  public var simplicityRank: Int {
    guard members == nil else { return 6 }
    return switch model {
    case .linear: 0
    case .frameAverage: 1
    case .meanPool: 2
    case .seedGRU: 3
    case .gru: 4
    case .lstm: 5
    }
  }

  /// The model and its setting, e.g. "linear (C=1)"; for an ensemble, e.g.
  /// "ensemble of linear (C=1) + frame-average".
  public var name: String {
    if let members { return "ensemble of " + members.joined(separator: " + ") }
    return setting.map { "\(model.rawValue) (\($0))" } ?? model.rawValue
  }
}

extension EpochRecord {
  /// Each epoch's mean over the folds that ran it (early stopping ends folds at different
  /// epochs); the validation means only over the folds with validation scores.
  public static func foldMeans(_ folds: [[EpochRecord]]) -> [EpochRecord] {
    let epochs = folds.map(\.count).max() ?? 0
    return (0..<epochs).map { index in
      let records = folds.filter { $0.count > index }.map { $0[index] }
      let validationLosses = records.compactMap(\.validationLoss)
      let validationAccuracies = records.compactMap(\.validationAccuracy)
      return EpochRecord(
        epoch: index + 1, loss: mean(records.map(\.loss)),
        accuracy: mean(records.map(\.accuracy)),
        validationLoss: validationLosses.isEmpty ? nil : mean(validationLosses),
        validationAccuracy: validationAccuracies.isEmpty ? nil : mean(validationAccuracies),
        seconds: mean(records.map(\.seconds)))
    }
  }
}

func mean(_ values: [Double]) -> Double {
  values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count)
}

/// The sample standard deviation (n − 1); 0 for fewer than two values.
func standardDeviation(_ values: [Double]) -> Double {
  guard values.count > 1 else { return 0 }
  let m = mean(values)
  return (values.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(values.count - 1)).squareRoot()
}

/// A candidate setting whose training failed (its loss diverged, or it threw): it is reported
/// and left out, and the selection goes on with the others.
public struct SkippedCandidate: Sendable, Codable, Equatable {
  /// The model and its setting, as in `CandidateScore.name`, e.g. "gru (hidden 64)".
  public var name: String
  /// One line: why it failed.
  public var reason: String

  public init(name: String, reason: String) {
    self.name = name
    self.reason = reason
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
  /// The chosen grid setting (as in its `CandidateScore`); nil without a grid.
  public var chosenSetting: String?
  /// Under cross-validation, how the saved model was made from the chosen candidate, e.g.
  /// "refit on all 285 training clips for 23 epochs".
  public var refit: String?
  /// The candidates that could not be trained (e.g. their loss diverged) and were left out of
  /// the comparison; nil when none was (and in files from before it was recorded).
  public var skipped: [SkippedCandidate]?
  /// When an ensemble was chosen, its members' names (as in its `CandidateScore`); nil
  /// otherwise.
  public var chosenMembers: [String]?

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

  /// Whether `candidate` is the one chosen: its model, setting and (for an ensemble) members.
  public func isChosen(_ candidate: CandidateScore) -> Bool {
    candidate.model == chosen && candidate.setting == chosenSetting
      && candidate.members == chosenMembers
  }

  /// The chosen candidate's name, e.g. "gru (hidden 128)" or "ensemble of linear (C=1) + gru".
  public var chosenName: String {
    candidates.first(where: isChosen)?.name
      ?? chosenSetting.map { "\(chosen.rawValue) (\($0))" } ?? chosen.rawValue
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
