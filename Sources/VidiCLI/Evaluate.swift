import ArgumentParser
import Backbones
import Foundation
import Pipeline
import Reporting
import SequenceModels
import VideoIO

/// `vidi evaluate`: a model's accuracy and confusion on a dataset split, optionally as a report.
struct Evaluate: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Score a trained model on a dataset split; optionally write an HTML report.",
    discussion: """
      Features are extracted (unless cached) the way the model's training features were: its \
      backbone, frame count and sampling. Prints accuracy, top-k accuracy, mean per-class \
      accuracy, per-class precision/recall/F1, the confusion matrix (rows = true class) and \
      the misclassified clips with their top 3. Clips that cannot be decoded are listed and \
      skipped. --json adds every clip's prediction (video, label, predicted, probability), for \
      metrics of your own. --report writes one self-contained HTML file with the training \
      curves, the model selection, the confusion heat map and frames of misclassified clips \
      with their per-frame probabilities.

      Examples:
        vidi evaluate ucf101.vidi data/ucf101 --report report.html
        vidi evaluate ucf101.vidi data/ucf101 --split test --tta flip --json
      """)

  @Argument(help: "The model folder written by `vidi train`.")
  var model: String

  @Argument(help: "Dataset folder or CSV manifest.")
  var dataset: String

  @OptionGroup var datasetArguments: DatasetArguments

  @Option(help: "The split to evaluate: train, test, unassigned (no split named) or all.")
  var split: SplitChoice = .test

  @Option(help: "Write an HTML report to this file.")
  var report: String?

  @Flag(help: "Replace the Vidi report already at --report (nothing else is ever replaced).")
  var force = false

  @OptionGroup var featureArguments: ModelFeatureArguments

  @OptionGroup var extraction: ExtractionArguments

  @Flag(help: "Print the metrics as JSON.")
  var json = false

  enum SplitChoice: String, ExpressibleByArgument, CaseIterable {
    case train, test, unassigned, all

    /// The dataset split chosen; nil for every clip.
    var datasetSplit: DatasetSplit? {
      switch self {
      case .train: .train
      case .test: .test
      case .unassigned: .unassigned
      case .all: nil
      }
    }
  }

  func run() throws {
    let usage = "vidi evaluate MODEL DATASET"
    if let mixUp = ArgumentCheck.modelMixUp(model: model, usage: usage)
      ?? ArgumentCheck.datasetMixUp(dataset: dataset, usage: usage)
    {
      Console.failure(mixUp)
      throw ExitCode.failure
    }
    let precision = try extraction.precision()
    do {
      let reportTarget = report.map { OutputTarget(URL(fileURLWithPath: $0), kind: .report) }
      try reportTarget?.check(
        force: force, inputs: [URL(fileURLWithPath: model), URL(fileURLWithPath: dataset)])
      let trained = try TrainedModel.load(from: URL(fileURLWithPath: model))
      let options = try FeatureOptions(
        model: trained, modelPath: model,
        request: featureArguments.request(precision: precision))
      let index = try datasetArguments.index(dataset)
      let clips = split.datasetSplit.map(index.clips(in:)) ?? index.clips
      guard !clips.isEmpty else {
        throw WorkflowError.noClips(dataset: index.root.path, part: "the \(split) split")
      }
      try EvaluationWorkflow.checkClasses(clips.map(\.label), model: trained, modelPath: model)
      let extractor = try FeatureExtractor(
        options: options, cache: extraction.featureCache, threads: extraction.threads)
      var display = ProgressDisplay()
      let features = try extractor.clipFeatures(
        clips, views: options.testViews(flip: featureArguments.flip)
      ) { display.update($0) }
      for failure in features.failures {
        Console.failure("\(failure.path): \(failure.reason) (skipped)")
      }
      if let note = Console.recomputedNote(features.extraction) {
        FileHandle.standardError.write(Data((note + "\n").utf8))
      }
      // The provenance was checked once, when `options` were read from the model.
      var evaluation = try EvaluationWorkflow.evaluate(
        trained, modelPath: model, clips: features.clips, provenance: nil,
        dataset: index.root.path, threads: extraction.threads ?? extractor.threads)
      evaluation.metrics.addFrameTimes(
        frameRates: Self.frameRates(of: evaluation.metrics.misclassified.map(\.path), in: clips))
      if let report {
        try writeReport(
          to: report, evaluation, trained, clips: clips, failures: features.failures,
          root: index.root.path, sampling: options.frameSampling)
      }
      if json {
        print(
          try PrettyJSON.string(
            EvaluateReport(
              metrics: evaluation.metrics, model: model, split: split.rawValue,
              tta: evaluation.testTimeAugmentation, skipped: features.failures,
              predictions: evaluation.predictions)))
      } else {
        print("\(model) (\(trained.typeName)) on \(index.root.path), split \(split):")
        print(evaluation.metrics.text)
        if let report { print("\nReport: \(report)") }
      }
    } catch {
      Console.failure("\(error)")
      throw ExitCode.failure
    }
  }

  private func writeReport(
    to path: String, _ evaluation: FeatureEvaluation, _ trained: TrainedModel, clips: [Clip],
    failures: [ClipFailure], root: String, sampling: FrameSampling
  ) throws {
    let input = ReportInput(
      evaluation: evaluation, model: trained,
      modelName: URL(fileURLWithPath: model).lastPathComponent, dataset: root,
      facts: [ReportFact("Split", split.rawValue)],
      skippedClips: failures.map { ReportSkippedClip(path: $0.path, reason: $0.reason) },
      frameStrips: ReportFrameStrip.sampled(
        paths: evaluation.metrics.misclassified.map(\.path), clips: clips, sampling: sampling))
    try HTMLReport.write(input, to: URL(fileURLWithPath: path))
  }

  /// The frame rates of the clips at `paths`, from a probed index or their headers.
  static func frameRates(of paths: [String], in clips: [Clip]) -> [String: Double] {
    let byPath = Dictionary(clips.map { ($0.path, $0) }, uniquingKeysWith: { a, _ in a })
    var rates: [String: Double] = [:]
    for path in paths {
      guard let clip = byPath[path],
        let rate = clip.info?.frameRate ?? (try? VideoReader.info(of: clip.url))?.frameRate
      else { continue }
      rates[path] = rate
    }
    return rates
  }
}

/// `vidi evaluate --json`: the metrics' keys, plus what was evaluated, what was skipped and
/// every clip's prediction.
private struct EvaluateReport: Encodable {
  var metrics: EvaluationMetrics
  var model: String
  var split: String
  /// The views averaged in, e.g. "flip" or "start-crop+end-crop"; "none" without.
  var tta: String
  var skipped: [ClipFailure]
  var predictions: [ClipPrediction]

  enum CodingKeys: String, CodingKey {
    case model, split, tta, skipped, predictions
  }

  func encode(to encoder: any Encoder) throws {
    try metrics.encode(to: encoder)
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(model, forKey: .model)
    try container.encode(split, forKey: .split)
    try container.encode(tta, forKey: .tta)
    try container.encode(skipped, forKey: .skipped)
    try container.encode(predictions, forKey: .predictions)
  }
}
