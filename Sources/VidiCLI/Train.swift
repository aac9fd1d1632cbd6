import ArgumentParser
import Backbones
import Foundation
import Pipeline
import SequenceModels

/// `vidi train`: extract what is not cached, train (or choose) a model, save it.
struct Train: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Train a classifier on a dataset's train split and save it as a .vidi model.",
    discussion: """
      DATASET is a folder in any layout `vidi index` accepts, or a CSV manifest. Features of the \
      train split (every clip when the dataset names no split) are extracted unless cached. \
      With --model auto (the default) every candidate (linear, gru, lstm, seed-gru, \
      frame-average, mean-pool) and each setting of a small grid (linear: the L2 strength C; \
      gru: the hidden size) is scored by k-fold cross-validation (--folds, default 5; folds \
      stratified by class and group-disjoint when clips have groups). Among the candidates \
      within one standard error of the best mean accuracy the simplest kind wins (linear, \
      frame-average, mean-pool, seed-gru, gru, lstm, then ensembles; of its settings the one \
      with the lowest mean log loss), and is refit on every training clip (iterative models for the folds' mean best epoch); every \
      score is printed and saved in the model. An ensemble of the three best models (their \
      probabilities averaged) is scored on the same folds and kept only when it wins. A \
      candidate whose training fails is reported and skipped. \
      --val-fraction instead holds out one validation split (whole groups, so the real share \
      is reported) and keeps each model's defaults. --augment crops adds the squares at both \
      ends of each frame's long side as training views; the model records them and averages \
      the three squares' probabilities whenever it predicts (evaluate, predict, serve), and \
      cross-validation scores it that way. Progress is one line per candidate and \
      fold on standard error (--verbose: every epoch). Clips that cannot be decoded are listed \
      and skipped.

      Examples:
        vidi train data/ucf101 --out ucf101.vidi
        vidi train data/ucf101 --out linear.vidi --model linear --folds 10
        vidi train data/ucf101 --out gru.vidi --model gru --val-fraction 0.2 --epochs 40
        vidi train data/ucf101 --out ucf101.vidi --force   (replace the model written before)
        vidi train data/ucf101 --out crops.vidi --augment crops   (left, centre, right squares)

      --out never replaces anything but a Vidi model folder, and a model only with --force; \
      the new model is written beside it and renamed into place once complete.
      """)

  @Argument(help: "Dataset folder or CSV manifest.")
  var dataset: String

  @OptionGroup var datasetArguments: DatasetArguments

  @Option(help: "Where to write the model folder, e.g. model.vidi.")
  var out: String

  @Flag(help: "Replace the Vidi model already at --out (nothing else is ever replaced).")
  var force = false

  @Option(help: "The model to train; auto trains every candidate and keeps the best.")
  var model: ModelChoice = .auto

  @Option(
    parsing: .unconditional,
    help: "Most epochs per model (default: the model's own, with early stopping).")
  var epochs: Int?

  @Option(parsing: .unconditional, help: "Clips per minibatch (default: 32).")
  var batchSize: Int?

  @Option(
    name: .customLong("lr"), parsing: .unconditional, help: "Adam learning rate (default: 0.001).")
  var learningRate: Double?

  @Option(
    help: """
      Cross-validation folds that choose the model and its settings (fewer when a class has \
      fewer groups).
      """)
  var folds = 5

  @Option(
    help: """
      Instead of cross-validation, hold out this fraction of each class once (whole groups, \
      so the real share can differ; it is reported).
      """)
  var valFraction: Double?

  @Option(
    name: .customLong("penalty-c"),
    help: """
      Inverse L2 strength C (as scikit-learn's) of linear and frame-average, instead of \
      searching linear's grid (0.01, 0.1, 1, 10).
      """)
  var penaltyC: Double?

  @Flag(help: "Print every epoch of every model instead of one line per candidate.")
  var verbose = false

  @Option(help: "Seed for weights, shuffling, dropout and the validation split.")
  var seed: UInt64 = 0

  @OptionGroup var featureArguments: FeatureArguments

  @OptionGroup var extraction: ExtractionArguments

  @Flag(help: "Print the result as JSON (progress goes to standard error).")
  var json = false

  func validate() throws {
    if let valFraction, !(0..<1).contains(valFraction) {
      throw ValidationError("--val-fraction must be at least 0 and below 1.")
    }
    guard folds >= 2 else { throw ValidationError("--folds must be at least 2.") }
    if let penaltyC, !(penaltyC > 0) { throw ValidationError("--penalty-c must be positive.") }
    if let epochs, epochs < 1 { throw ValidationError("--epochs must be at least 1.") }
    if let batchSize, batchSize < 1 { throw ValidationError("--batch-size must be at least 1.") }
    if let learningRate, learningRate <= 0 { throw ValidationError("--lr must be positive.") }
  }

  func run() throws {
    let precision = try extraction.precision()
    do {
      let output = URL(fileURLWithPath: out)
      let target = OutputTarget(output, kind: .model)
      let inputs = [URL(fileURLWithPath: dataset), extraction.cacheFolder]
      try target.check(force: force, inputs: inputs)
      let index = try datasetArguments.index(dataset)
      let clips = index.trainingClips
      guard !clips.isEmpty else {
        throw WorkflowError.noClips(dataset: index.root.path, part: "the train split")
      }
      let options = featureArguments.options(precision: precision)
      let extractor = try FeatureExtractor(
        options: options, cache: extraction.featureCache, threads: extraction.threads)
      var display = ProgressDisplay()
      let features = try extractor.clipFeatures(clips, views: featureArguments.views) {
        display.update($0)
      }
      for failure in features.failures {
        Console.failure("\(failure.path): \(failure.reason) (skipped)")
      }
      if let note = Console.recomputedNote(features.extraction) { say(note) }
      let set = try TrainingSet(
        clips: features.clips, validationFraction: valFraction ?? 0, seed: seed,
        testViews: options.testViews, dataset: index.root.path)
      let views =
        set.extraViews > 0
        ? " (\(set.extraViews) of them extra views: "
          + options.trainingViews.dropFirst().map(\.rawValue).joined(separator: ", ") + ")"
        : ""
      say(
        valFraction == nil
          ? "Training on \(set.training.clips.count) clips\(views), \(set.classes.count) classes, "
            + "\(folds)-fold cross-validation; features \(options.summary)"
          : "Training on \(set.training.clips.count) clips\(views), validating on "
            + "\(set.validation.clips.count)"
            + String(format: " (%.1f%%)", set.validationShare * 100)
            + "; \(set.classes.count) classes; features \(options.summary)")
      if let note = set.validationNote { say("Validation share: " + note) }
      var trainingOptions = TrainingOptions(
        model: model, epochs: epochs, batchSize: batchSize, learningRate: learningRate,
        validationFraction: valFraction ?? 0, seed: seed, threads: extraction.threads,
        folds: valFraction == nil ? folds : nil)
      trainingOptions.penaltyC = penaltyC
      var progress = TrainingDisplay(verbose: verbose)
      let start = Date()
      let trained = try ModelCalibrationWorkflow.calibrate(
        TrainingWorkflow.train(
          set, provenance: options.provenance, options: trainingOptions,
          onEpoch: { progress.epoch($0) }, onScore: { progress.score($0) },
          onSkip: { progress.skipped($0) }),
        set: set, clips: clips, folds: folds, seed: seed)
      progress.clear()
      say(String(format: "Trained in %.1f s", Date().timeIntervalSince(start)))
      if let note = Self.calibrationNote(trained.calibration) { say(note) }
      // Training can take hours: whatever appeared at --out meanwhile is judged again.
      try target.check(force: force, inputs: inputs)
      try trained.save(to: output)
      if json {
        print(
          try PrettyJSON.string(
            TrainReport(trained, path: output.path, set: set, features),
            keys: .convertToSnakeCase))
      } else {
        printSummary(trained, path: output.path)
      }
    } catch {
      Console.failure("\(error)")
      throw ExitCode.failure
    }
  }

  /// Progress and status lines, on standard error (standard output carries the result).
  /// What calibration recorded, e.g. `Clip length 6.2 s; rejection threshold 0.41 (max
  /// probability; keeps 95.1% of out-of-fold predictions, 5 folds, 285 clips)`.
  static func calibrationNote(_ calibration: ModelCalibration?) -> String? {
    guard let calibration else { return nil }
    var parts: [String] = []
    if let seconds = calibration.clipSeconds {
      parts.append(String(format: "clip length %.2f s (median of the training clips)", seconds))
    }
    if let rejection = calibration.rejection {
      parts.append(
        String(
          format: "rejection threshold %.3f (max probability; keeps %.1f%% of the ",
          rejection.threshold, rejection.calibrationTPR * 100) + rejection.source + ")")
    }
    if let rejection = calibration.featureRejection {
      parts.append(
        String(format: "feature rejection %.3f (", rejection.threshold) + rejection.score
          + String(
            format: ", used by --reject auto; keeps %.1f%% of the ", rejection.calibrationTPR * 100)
          + rejection.source + ")")
      if let window = rejection.window {
        parts.append(
          String(
            format: "windows of %.2f s: %.3f (keeps %.1f%% of known windows, rejects %.1f%% of ",
            window.windowSeconds, window.threshold, window.knownAccepted * 100,
            window.unknownRejected * 100) + "held-out-class windows; " + window.source + ")")
      }
    }
    return parts.isEmpty ? nil : "Calibration: " + parts.joined(separator: "; ")
  }

  private func say(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
  }

  private func printSummary(_ model: TrainedModel, path: String) {
    if let selection = model.selection {
      print("Validation: \(selection.validation)")
      print("Rule: \(selection.rule)")
      for (line, candidate) in zip(Self.candidateLines(selection), selection.candidates) {
        print(line + (Self.isChosen(candidate, selection) ? "  <- chosen" : ""))
      }
      for skipped in selection.skipped ?? [] {
        print("  \(skipped.name)  skipped: \(skipped.reason)")
      }
      print(selection.reason)
      if let refit = selection.refit { print("Saved model: \(refit)") }
    }
    let kept = model.training.keptRecord
    let name = model.selection?.chosenName ?? model.kind.rawValue
    let epochs =
      model.training.config.usesSolver
      ? "fitted by L-BFGS in \(model.training.solverIterations ?? 0) iterations"
      : "epoch \(model.training.bestEpoch) of \(model.training.history.count)"
    print(
      "Saved \(path): \(name), \(model.classes.count) classes, \(epochs)"
        + (kept?.validationAccuracy.map {
          String(format: ", validation accuracy %.2f%%", $0 * 100)
        } ?? ""))
  }

  /// One aligned line per candidate setting: accuracy (± sd over folds), log loss, epochs
  /// and time.
  static func candidateLines(_ selection: ModelSelection) -> [String] {
    let width = selection.candidates.map(\.name.count).max() ?? 0
    return selection.candidates.map { candidate in
      var line =
        "  " + candidate.name.padding(toLength: width + 2, withPad: " ", startingAt: 0)
        + String(format: "accuracy %6.2f%%", candidate.validationAccuracy * 100)
      if let sd = candidate.accuracySD { line += String(format: " ± %5.2f%%", sd * 100) }
      line += String(format: "  log loss %.4f", candidate.validationLoss)
      if let sd = candidate.lossSD { line += String(format: " ± %.4f", sd) }
      let solver = candidate.hyperparameters?.penaltyC != nil && candidate.epochs <= 1
      if !solver && candidate.members == nil {
        line += "  epoch \(candidate.bestEpoch) of \(candidate.epochs)"
      }
      return line + String(format: "  %.1f s", candidate.seconds)
    }
  }

  static func isChosen(_ candidate: CandidateScore, _ selection: ModelSelection) -> Bool {
    selection.isChosen(candidate)
  }
}

/// `vidi train --json`.
private struct TrainReport: Encodable {
  struct Candidate: Encodable {
    var model: String
    var validationAccuracy: Double
    var validationLoss: Double
    var bestEpoch: Int
    var epochs: Int
    var seconds: Double
    var chosen: Bool
    var setting: String?
    var validationAccuracySD: Double?
    var validationLossSD: Double?
    var foldAccuracies: [Double]?
    var foldLosses: [Double]?
    /// The ensemble candidate's members; absent for a single model.
    var members: [String]?
  }

  var model: String
  var type: String
  var classes: [String]
  var trainingClips: Int
  var extraViews: Int
  var validationClips: Int
  var validationShare: Double
  var validation: String
  var selectionRule: String?
  /// The chosen candidate's name, e.g. "linear (C=10)" or "ensemble of linear (C=10) + gru".
  var chosen: String?
  var chosenSetting: String?
  var refit: String?
  var bestEpoch: Int
  var epochs: Int
  var validationAccuracy: Double?
  var validationLoss: Double?
  var candidates: [Candidate]
  var selectionReason: String?
  var skipped: [ClipFailure]
  var skippedCandidates: [SkippedCandidate]
  var hasTimeline: Bool

  init(_ trained: TrainedModel, path: String, set: TrainingSet, _ features: DatasetFeatures) {
    let summary = trained.training
    let kept = summary.keptRecord
    model = path
    type = trained.kind.rawValue
    classes = trained.classes
    trainingClips = set.training.clips.count
    extraViews = set.extraViews
    validationClips = set.validation.clips.count
    validationShare = set.validationShare
    validation = trained.selection?.validation ?? set.validationDescription
    selectionRule = trained.selection?.rule
    chosen = trained.selection?.chosenName
    chosenSetting = trained.selection?.chosenSetting
    refit = trained.selection?.refit
    bestEpoch = summary.bestEpoch
    epochs = summary.history.count
    validationAccuracy = kept?.validationAccuracy
    validationLoss = kept?.validationLoss
    candidates =
      trained.selection.map { selection in
        selection.candidates.map {
          Candidate(
            model: $0.model.rawValue, validationAccuracy: $0.validationAccuracy,
            validationLoss: $0.validationLoss, bestEpoch: $0.bestEpoch, epochs: $0.epochs,
            seconds: $0.seconds, chosen: Train.isChosen($0, selection), setting: $0.setting,
            validationAccuracySD: $0.accuracySD, validationLossSD: $0.lossSD,
            foldAccuracies: $0.foldAccuracies,
            foldLosses: $0.foldLosses, members: $0.members)
        }
      } ?? []
    selectionReason = trained.selection?.reason
    skipped = features.failures
    skippedCandidates = trained.selection?.skipped ?? []
    hasTimeline = trained.hasTimeline
  }
}

extension ModelChoice: ExpressibleByArgument {
  public static var allValueStrings: [String] {
    ["auto"] + ModelKind.allCases.map(\.rawValue)
  }
}
