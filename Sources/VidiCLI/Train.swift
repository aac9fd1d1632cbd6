import ArgumentParser
import Foundation
import Pipeline

/// `vidi train`: extract what is not cached, train (or choose) a model, save it.
struct Train: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Train a classifier on a dataset's train split and save it as a .vidi model.",
    discussion: """
      DATASET is a folder in any layout `vidi index` accepts, or a CSV manifest. Features of the \
      train split (every clip when the dataset names no split) are extracted unless cached. \
      With --model auto (the default) every candidate (gru, lstm, seed-gru, frame-average, \
      mean-pool) is trained on the same clips and the one with the best validation accuracy \
      (ties: lower validation loss) is kept; every candidate's scores are saved in the model. \
      The validation clips are held out per class, group-disjoint when clips have groups. \
      Clips that cannot be decoded are listed and skipped.

      Examples:
        vidi train data/ucf101 --out ucf101.vidi
        vidi train data/ucf101 --out gru.vidi --model gru --epochs 40 --augment flip
        vidi train data/ucf101 --out ucf101.vidi --force   (replace the model written before)

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

  @Option(parsing: .unconditional, help: "Fraction of each class held out for validation.")
  var valFraction = 0.2

  @Option(help: "Seed for weights, shuffling, dropout and the validation split.")
  var seed: UInt64 = 0

  @Option(help: "Backbone that encodes the frames.")
  var backbone: BackboneID = .default

  @Option(parsing: .unconditional, help: "Frames sampled per clip.")
  var frames = 20

  @Option(help: "How frames are sampled: uniform (over the whole clip) or first.")
  var sampling: SamplingMode = .uniform

  @Option(help: "Feature cache folder (default: $VIDI_HOME/features, ~/.cache/vidi/features).")
  var cache: String?

  @Option(
    help: """
      Add augmented training views: flip (frames mirrored left to right). Only where mirroring \
      keeps the class (not for e.g. clockwise vs counterclockwise).
      """)
  var augment: Extract.Augmentation?

  @Option(parsing: .unconditional, help: "Cores to use (default: all).")
  var threads: Int?

  @OptionGroup var precisionOption: PrecisionOption

  @Flag(help: "Print the result as JSON (progress goes to standard error).")
  var json = false

  func validate() throws {
    try Console.checkFrames(frames)
    guard (0..<1).contains(valFraction) else {
      throw ValidationError("--val-fraction must be at least 0 and below 1.")
    }
    if let epochs, epochs < 1 { throw ValidationError("--epochs must be at least 1.") }
    if let batchSize, batchSize < 1 { throw ValidationError("--batch-size must be at least 1.") }
    if let learningRate, learningRate <= 0 { throw ValidationError("--lr must be positive.") }
    if let threads, threads < 1 { throw ValidationError("--threads must be at least 1.") }
  }

  func run() throws {
    let precision = try precisionOption.resolved()
    do {
      let output = URL(fileURLWithPath: out)
      let target = OutputTarget(output, kind: .model)
      let inputs = [URL(fileURLWithPath: dataset), Console.cacheFolder(cache)]
      try target.check(force: force, inputs: inputs)
      let index = try datasetArguments.index(dataset)
      let clips = index.trainingClips
      guard !clips.isEmpty else {
        throw WorkflowError.noClips(dataset: index.root.path, part: "the train split")
      }
      let options = FeatureOptions(
        backbone: backbone, frames: frames, sampling: sampling, precision: precision)
      let extractor = try FeatureExtractor(
        options: options, cache: FeatureCache(directory: Console.cacheFolder(cache)),
        threads: threads)
      var display = ProgressDisplay()
      let features = try extractor.clipFeatures(
        clips, views: augment == .flip ? [.original, .flipped] : [.original]
      ) { display.update($0) }
      for failure in features.failures {
        Console.failure("\(failure.path): \(failure.reason) (skipped)")
      }
      if let note = Console.recomputedNote(features.extraction) { say(note) }
      let set = try TrainingSet(
        clips: features.clips, validationFraction: valFraction, seed: seed,
        dataset: index.root.path)
      say(
        "Training on \(set.training.clips.count) clips"
          + (set.extraViews > 0 ? " (\(set.extraViews) of them flipped views)" : "")
          + ", validating on \(set.validation.clips.count); \(set.classes.count) classes; "
          + "features \(options.summary)")
      let trainingOptions = TrainingOptions(
        model: model, epochs: epochs, batchSize: batchSize, learningRate: learningRate,
        validationFraction: valFraction, seed: seed, threads: threads)
      let trained = try TrainingWorkflow.train(
        set, provenance: options.provenance, options: trainingOptions
      ) { say($0.line) }
      // Training can take hours: whatever appeared at --out meanwhile is judged again.
      try target.check(force: force, inputs: inputs)
      try trained.save(to: output)
      if json {
        print(try PrettyJSON.string(TrainReport(trained, path: output.path, set: set, features)))
      } else {
        printSummary(trained, path: output.path)
      }
    } catch {
      Console.failure("\(error)")
      throw ExitCode.failure
    }
  }

  /// Progress: on standard output, or standard error when it carries JSON.
  private func say(_ line: String) {
    if json {
      FileHandle.standardError.write(Data((line + "\n").utf8))
    } else {
      Console.line(line)
    }
  }

  private func printSummary(_ model: TrainedModel, path: String) {
    if let selection = model.selection {
      print("Candidates (\(selection.rule)):")
      for candidate in selection.candidates {
        let name = candidate.model.rawValue
        print(
          "  " + name + String(repeating: " ", count: max(14 - name.count, 1))
            + String(
              format: "val accuracy %6.2f%%  val loss %.4f  epoch %d of %d  %.1f s",
              candidate.validationAccuracy * 100, candidate.validationLoss, candidate.bestEpoch,
              candidate.epochs, candidate.seconds)
            + (candidate.model == selection.chosen ? "  <- chosen" : ""))
      }
      print(selection.reason)
    }
    let kept = model.training.keptRecord
    print(
      "Saved \(path): \(model.kind.rawValue), \(model.classes.count) classes, "
        + "epoch \(model.training.bestEpoch) of \(model.training.history.count)"
        + (kept?.validationAccuracy.map {
          String(format: ", validation accuracy %.2f%%", $0 * 100)
        } ?? ""))
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

    enum CodingKeys: String, CodingKey {
      case model, epochs, seconds, chosen
      case validationAccuracy = "validation_accuracy"
      case validationLoss = "validation_loss"
      case bestEpoch = "best_epoch"
    }
  }

  var model: String
  var type: String
  var classes: [String]
  var trainingClips: Int
  var extraViews: Int
  var validationClips: Int
  var validation: String
  var bestEpoch: Int
  var epochs: Int
  var validationAccuracy: Double?
  var validationLoss: Double?
  var candidates: [Candidate]
  var selectionReason: String?
  var skipped: [ClipFailure]
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
    validation = set.validationDescription
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
            seconds: $0.seconds, chosen: $0.model == selection.chosen)
        }
      } ?? []
    selectionReason = trained.selection?.reason
    skipped = features.failures
    hasTimeline = trained.hasTimeline
  }

  enum CodingKeys: String, CodingKey {
    case model, type, classes, validation, epochs, candidates, skipped
    case trainingClips = "training_clips"
    case extraViews = "extra_views"
    case validationClips = "validation_clips"
    case bestEpoch = "best_epoch"
    case validationAccuracy = "validation_accuracy"
    case validationLoss = "validation_loss"
    case selectionReason = "selection_reason"
    case hasTimeline = "has_timeline"
  }
}

extension ModelChoice: ExpressibleByArgument {
  public static var allValueStrings: [String] {
    ["auto"] + ModelKind.allCases.map(\.rawValue)
  }
}
