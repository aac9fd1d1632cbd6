import Foundation
import SequenceModels

/// Which model `vidi train --model` trains.
public enum ModelChoice: Sendable, Hashable, CustomStringConvertible {
  /// Train the candidates and keep the best on validation.
  case auto
  case model(ModelKind)

  /// The models `auto` compares, in training order (which also breaks exact ties).
  public static let autoCandidates: [ModelKind] = [
    .linear, .gru, .lstm, .seedGRU, .frameAverage, .meanPool,
  ]

  /// Parses a `--model` argument: "auto" or a model kind's name.
  public init?(argument: String) {
    if argument == "auto" {
      self = .auto
    } else if let kind = ModelKind(rawValue: argument) {
      self = .model(kind)
    } else {
      return nil
    }
  }

  public var description: String {
    switch self {
    case .auto: "auto"
    case .model(let kind): kind.rawValue
    }
  }
}

/// How `vidi train` trains: the model choice and overrides of each model's defaults.
public struct TrainingOptions: Sendable, Hashable {
  public var model: ModelChoice
  /// Overrides each model's default epoch limit.
  public var epochs: Int?
  public var batchSize: Int?
  public var learningRate: Double?
  /// The fraction of each class held out for validation (0 for none; `auto` needs some).
  public var validationFraction: Double
  public var seed: UInt64
  /// Training threads; nil for the trainer's default.
  public var threads: Int?
  /// The models `auto` compares.
  public var candidates: [ModelKind]
  /// Choose among candidates and grid settings by k-fold cross-validation with this many
  /// folds, then refit the winner on every training clip; nil to train on one split
  /// (`validationFraction`) with each model's defaults.
  public var folds: Int?
  /// Fixes the inverse L2 strength (scikit-learn's C) of the L-BFGS-fitted models (`linear`,
  /// `frame-average`) instead of their default and `linear`'s grid.
  public var penaltyC: Double?
  /// Under cross-validation with `auto`, the ensemble candidate averages the best settings of
  /// this many best models (fewer when fewer were scored); below 2, there is none.
  public var ensembleSize = TrainingOptions.defaultEnsembleSize

  public init(
    model: ModelChoice = .auto, epochs: Int? = nil, batchSize: Int? = nil,
    learningRate: Double? = nil, validationFraction: Double = 0.2, seed: UInt64 = 0,
    threads: Int? = nil, candidates: [ModelKind] = ModelChoice.autoCandidates,
    folds: Int? = nil
  ) {
    self.model = model
    self.epochs = epochs
    self.batchSize = batchSize
    self.learningRate = learningRate
    self.validationFraction = validationFraction
    self.seed = seed
    self.threads = threads
    self.candidates = candidates
    self.folds = folds
  }

  /// `kind`'s default config with these options applied.
  public func config(for kind: ModelKind) -> TrainingConfig {
    var config = TrainingConfig(model: kind, seed: seed)
    if let epochs { config.epochs = epochs }
    if let batchSize { config.batchSize = batchSize }
    if let learningRate { config.learningRate = learningRate }
    if let threads { config.threads = threads }
    if let penaltyC, config.hyperparameters.penaltyC != nil {
      config.hyperparameters.penaltyC = penaltyC
    }
    return config
  }
}

/// One finished epoch of a training run, as the CLI prints it.
public struct TrainingProgress: Sendable, Equatable {
  /// What is being trained.
  public enum Stage: Sendable, Hashable {
    /// Candidate `index` (1-based) of `count`; a named model is candidate 1 of 1.
    case candidate(index: Int, count: Int)
    /// The per-frame classifier trained for timelines.
    case frameClassifier
    /// The chosen candidate retrained on every training clip after cross-validation.
    case refit
  }

  public var model: ModelKind
  public var stage: Stage
  public var record: EpochRecord
  /// The epoch limit (early stopping may end sooner).
  public var epochs: Int
  /// The grid setting being trained, e.g. "C=1"; nil for the model's defaults.
  public var setting: String?
  /// Under cross-validation, the fold (1-based) and the number of folds.
  public var fold: (index: Int, count: Int)?

  public init(
    model: ModelKind, stage: Stage, record: EpochRecord, epochs: Int, setting: String? = nil,
    fold: (index: Int, count: Int)? = nil
  ) {
    self.model = model
    self.stage = stage
    self.record = record
    self.epochs = epochs
    self.setting = setting
    self.fold = fold
  }

  public static func == (a: TrainingProgress, b: TrainingProgress) -> Bool {
    a.model == b.model && a.stage == b.stage && a.record == b.record && a.epochs == b.epochs
      && a.setting == b.setting && a.fold?.index == b.fold?.index
      && a.fold?.count == b.fold?.count
  }

  /// What is being trained, e.g. "gru (hidden 64) [2/6] fold 3/5".
  public var name: String {
    let model = setting.map { "\(self.model.rawValue) (\($0))" } ?? self.model.rawValue
    var name =
      switch stage {
      case .candidate(let index, let count) where count > 1: "\(model) [\(index)/\(count)]"
      case .candidate: model
      case .frameClassifier: "frame classifier (\(model))"
      case .refit: "refit \(model)"
      }
    if let fold { name += " fold \(fold.index)/\(fold.count)" }
    return name
  }

  /// E.g. `gru [1/5] epoch 3/60: loss 0.4123, accuracy 88.2%, val loss 0.5012, val accuracy
  /// 85.0% (0.4 s)`.
  public var line: String {
    var line =
      "\(name) epoch \(record.epoch)/\(epochs): loss \(decimal(record.loss, 4)), "
      + "accuracy \(percent(record.accuracy))"
    if let loss = record.validationLoss, let accuracy = record.validationAccuracy {
      line += ", val loss \(decimal(loss, 4)), val accuracy \(percent(accuracy))"
    }
    return line + " (\(decimal(record.seconds, 1)) s)"
  }
}

/// Trains `vidi train`'s model on extracted features: one named model, or (`auto`) every
/// candidate on the same split, keeping the best on validation. The saved model records every
/// candidate's scores and why the winner won, and carries a per-frame classifier for timelines.
public enum TrainingWorkflow {
  /// The selection rule, as recorded in the model.
  public static let selectionRule = "best validation accuracy; ties: lower validation loss"

  /// Trains on `set` as `options` say. `provenance` (how the features were made) is stored in
  /// the model and its frame classifier; `onEpoch` sees every epoch of every model trained,
  /// `onScore` each candidate setting's score once it is known, `onSkip` each candidate whose
  /// training failed (it is left out of the selection; only when every candidate fails does
  /// the first failure end the run).
  public static func train(
    _ set: TrainingSet, provenance: FeatureProvenance?, options: TrainingOptions,
    onEpoch: (TrainingProgress) -> Void = { _ in },
    onScore: (CandidateScore) -> Void = { _ in },
    onSkip: (SkippedCandidate) -> Void = { _ in }
  ) throws -> TrainedModel {
    if let folds = options.folds {
      return try crossValidate(
        set, folds: folds, provenance: provenance, options: options, onEpoch: onEpoch,
        onScore: onScore, onSkip: onSkip)
    }
    let validation: ValidationSource =
      set.validation.clips.isEmpty
      ? .none : .dataset(set.validation, description: set.validationDescription)
    guard case .auto = options.model else {
      return try trainNamed(
        set, validation: validation, provenance: provenance, options: options, onEpoch: onEpoch)
    }
    guard !options.candidates.isEmpty else { throw WorkflowError.noCandidates }
    guard !set.validation.clips.isEmpty else {
      throw WorkflowError.noValidationClips(dataset: set.dataset)
    }
    let kinds = options.candidates
    var results: [CandidateResult] = []
    var failures = CandidateFailures()
    for (index, kind) in kinds.enumerated() {
      let config = options.config(for: kind)
      let start = Date()
      do {
        let model = try Trainer.train(
          set.training, validation: validation, config: config, provenance: provenance
        ) { record in
          onEpoch(
            TrainingProgress(
              model: kind, stage: .candidate(index: index + 1, count: kinds.count),
              record: record, epochs: config.usesSolver ? 1 : config.epochs))
        }
        let score = try score(model, seconds: Date().timeIntervalSince(start))
        results.append(CandidateResult(model: model, score: score))
        onScore(score)
      } catch {
        onSkip(failures.record(kind.rawValue, error))
      }
    }
    guard !results.isEmpty else { throw failures.first! }

    let scores = results.map(\.score)
    let winner = best(scores)
    var selection = ModelSelection(
      rule: selectionRule, validation: set.validationDescription, candidates: scores,
      chosen: scores[winner].model, reason: reason(scores, winner: winner))
    selection.skipped = failures.skipped
    let chosen = results[winner].model.withSelection(selection)
    guard !chosen.hasFrameProbabilities else { return chosen }
    let frameClassifier =
      try results.map(\.model).first(where: \.hasFrameProbabilities)
      ?? trainFrameClassifier(
        set, validation: validation, provenance: provenance, options: options, onEpoch: onEpoch)
    return try chosen.withFrameClassifier(frameClassifier)
  }

  /// `--model KIND` on a single split: that model, with a frame classifier when it has no
  /// timeline of its own.
  private static func trainNamed(
    _ set: TrainingSet, validation: ValidationSource, provenance: FeatureProvenance?,
    options: TrainingOptions, onEpoch: (TrainingProgress) -> Void
  ) throws -> TrainedModel {
    guard case .model(let kind) = options.model else { preconditionFailure("a named model") }
    let config = options.config(for: kind)
    let model = try Trainer.train(
      set.training, validation: validation, config: config, provenance: provenance
    ) { record in
      onEpoch(
        TrainingProgress(
          model: kind, stage: .candidate(index: 1, count: 1), record: record,
          epochs: config.usesSolver ? 1 : config.epochs))
    }
    guard !model.hasFrameProbabilities else { return model }
    return try model.withFrameClassifier(
      trainFrameClassifier(
        set, validation: validation, provenance: provenance, options: options, onEpoch: onEpoch))
  }

  /// Builds the training set from `clips` (all views of the training clips) and trains on it.
  public static func train(
    _ clips: [ClipFeatures], provenance: FeatureProvenance?, options: TrainingOptions,
    onEpoch: (TrainingProgress) -> Void = { _ in },
    onScore: (CandidateScore) -> Void = { _ in },
    onSkip: (SkippedCandidate) -> Void = { _ in }
  ) throws -> TrainedModel {
    let set = try TrainingSet(
      clips: clips, validationFraction: options.folds == nil ? options.validationFraction : 0,
      seed: options.seed)
    return try train(
      set, provenance: provenance, options: options, onEpoch: onEpoch, onScore: onScore,
      onSkip: onSkip)
  }

  /// Index of the best score: highest validation accuracy, then lowest validation loss, then
  /// the earliest candidate.
  public static func best(_ scores: [CandidateScore]) -> Int {
    var winner = 0
    for (index, score) in scores.enumerated().dropFirst() {
      let leader = scores[winner]
      if score.validationAccuracy > leader.validationAccuracy
        || (score.validationAccuracy == leader.validationAccuracy
          && score.validationLoss < leader.validationLoss)
      {
        winner = index
      }
    }
    return winner
  }

  private static func trainFrameClassifier(
    _ set: TrainingSet, validation: ValidationSource, provenance: FeatureProvenance?,
    options: TrainingOptions, onEpoch: (TrainingProgress) -> Void
  ) throws -> TrainedModel {
    let config = options.config(for: .frameAverage)
    return try Trainer.train(
      set.training, validation: validation, config: config, provenance: provenance
    ) { record in
      onEpoch(
        TrainingProgress(
          model: .frameAverage, stage: .frameClassifier, record: record,
          epochs: config.usesSolver ? 1 : config.epochs))
    }
  }

  /// The validation scores of the weights `model` kept, with its epoch history.
  private static func score(_ model: TrainedModel, seconds: Double) throws -> CandidateScore {
    guard let kept = model.training.keptRecord,
      let accuracy = kept.validationAccuracy, let loss = kept.validationLoss
    else { throw WorkflowError.noValidationScore }
    var score = CandidateScore(
      model: model.kind, validationAccuracy: accuracy, validationLoss: loss,
      bestEpoch: kept.epoch, epochs: model.training.history.count, seconds: seconds)
    score.history = model.training.history
    return score
  }

  /// One sentence on why `scores[winner]` won.
  static func reason(_ scores: [CandidateScore], winner: Int) -> String {
    let best = scores[winner]
    let name = best.name
    guard scores.count > 1 else {
      return
        "\(name) was the only candidate (validation accuracy \(percent(best.validationAccuracy)))"
    }
    let tied = scores.indices.filter {
      $0 != winner && scores[$0].validationAccuracy == best.validationAccuracy
    }
    guard let runnerUp = tied.min(by: { scores[$0].validationLoss < scores[$1].validationLoss })
    else {
      let second = scores.indices.filter { $0 != winner }
        .max { scores[$0].validationAccuracy < scores[$1].validationAccuracy }!
      return
        "\(name) has the best validation accuracy of \(scores.count) candidates: "
        + "\(spread(best)), ahead of \(scores[second].name) at \(spread(scores[second]))"
    }
    let others = tied.map { scores[$0].name }.joined(separator: ", ")
    let tie = "\(name) ties \(others) at \(percent(best.validationAccuracy)) validation accuracy"
    guard best.validationLoss < scores[runnerUp].validationLoss else {
      return tie + " and loss (\(significant(best.validationLoss))) and was trained first"
    }
    return
      tie + " and has the lower validation loss (\(significant(best.validationLoss)) vs "
      + "\(significant(scores[runnerUp].validationLoss)))"
  }
}

/// A candidate trained during selection: its model and its score, kept together so that the
/// winner's index can only ever name its own model.
struct CandidateResult {
  var model: TrainedModel
  var score: CandidateScore
}

/// The candidates whose training failed during a selection, in order.
struct CandidateFailures {
  private(set) var skipped: [SkippedCandidate]?
  /// The first failure, rethrown when no candidate could be trained.
  private(set) var first: (any Error)?

  /// Records that candidate `name` failed with `error`, returning the record.
  mutating func record(_ name: String, _ error: any Error) -> SkippedCandidate {
    let skip = SkippedCandidate(name: name, reason: "\(error)")
    skipped = (skipped ?? []) + [skip]
    if first == nil { first = error }
    return skip
  }
}

/// An accuracy, with its standard deviation over folds when it has one: "97.2% ± 1.5%".
func spread(_ score: CandidateScore) -> String {
  percent(score.validationAccuracy) + (score.accuracySD.map { " ± " + percent($0) } ?? "")
}

/// `value` as a percentage with one decimal, e.g. "88.2%".
func percent(_ value: Double) -> String {
  String(format: "%.1f%%", value * 100)
}

/// `value` with three significant digits, so tiny losses stay distinguishable.
func significant(_ value: Double) -> String {
  String(format: "%.3g", value)
}

/// `value` with `places` decimals.
func decimal(_ value: Double, _ places: Int) -> String {
  String(format: "%.\(places)f", value)
}
