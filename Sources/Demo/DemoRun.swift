/// Demo: `vidi demo`'s synthetic stick-figure dataset and the whole method run on it.
///
/// Renders clips of actions that hold the same poses in opposite order, writes them as real
/// video files, and runs Pipeline's index, extraction, training, evaluation and prediction on
/// them. Nothing but the CLI and its tests depend on it.

import Foundation
import Pipeline
import Reporting
import SequenceModels

/// The whole method on the embedded stick-figure dataset, as `vidi demo` runs it: render real
/// video files, index them, extract features with the pretrained backbone, train a sequence
/// model and the frame-averaging baseline, evaluate both on the test split and predict one test
/// clip (a stand-up one when there is one). The actions that hold the same poses in opposite
/// order are where the two differ.
public struct DemoRun: Sendable {
  /// Where the dataset, the feature cache and the models go.
  public var directory: URL
  public var dataset = DemoDataset()
  public var features = FeatureOptions()
  /// The models compared, in table order.
  public var models: [ModelKind] = [.gru, .frameAverage]
  /// Cores to use; nil for all.
  public var threads: Int?

  public init(directory: URL) {
    self.directory = directory
  }

  /// One model's test scores.
  public struct ModelResult: Sendable, Codable {
    public var model: String
    public var path: String
    public var accuracy: Double
    /// Accuracy on the actions whose reverse is another action (sit-down/stand-up, raise-arms/lower-arms).
    public var reversedPairAccuracy: Double
    /// Accuracy on the other actions.
    public var otherAccuracy: Double
    public var perClass: [PerClassMetrics]

    enum CodingKeys: String, CodingKey {
      case model, path, accuracy
      case reversedPairAccuracy = "reversed_pair_accuracy"
      case otherAccuracy = "other_accuracy"
      case perClass = "per_class"
    }
  }

  public struct Result: Sendable, Codable {
    public var dataset: String
    public var results: [ModelResult]
    /// The first model's prediction for one test clip.
    public var prediction: Prediction
  }

  /// Runs every step; `log` gets one line per step and per training epoch.
  public func run(
    log: (String) -> Void, progress: (ExtractionProgress) -> Void = { _ in }
  ) throws -> Result {
    let data = directory.appendingPathComponent("data")
    log(
      "Rendering \(dataset.clips.count) clips of \(dataset.actions.count) actions into \(data.path)"
    )
    try dataset.writeVideos(to: data)
    let index = try DatasetIndex(root: data)
    let extractor = try FeatureExtractor(
      options: features, cache: FeatureCache(directory: directory.appendingPathComponent("cache")),
      threads: threads)
    log("Extracting features: \(features.summary)")
    let extracted = try extractor.clipFeatures(index.clips, progress: progress)
    for failure in extracted.failures { log("\(failure.path): \(failure.reason) (skipped)") }
    let train = extracted.clips.filter { $0.split == .train }
    let test = extracted.clips.filter { $0.split == .test }
    // A stand-up clip: the frame-averaging baseline cannot tell it from sit-down.
    guard let example = test.first(where: { $0.label == DemoAction.standUp.rawValue }) ?? test.first
    else {
      throw WorkflowError.noClips(dataset: data.path, part: "the test split")
    }
    let set = try TrainingSet(clips: train, validationFraction: 0.2, seed: 0, dataset: data.path)

    var results: [ModelResult] = []
    var prediction: Prediction?
    for kind in models {
      let model = try TrainingWorkflow.train(
        set, provenance: features.provenance,
        options: TrainingOptions(model: .model(kind), threads: threads)
      ) { log($0.line) }
      let path = directory.appendingPathComponent("\(kind.rawValue).vidi")
      try model.save(to: path)
      let evaluation = try EvaluationWorkflow.evaluate(
        model, modelPath: path.path, clips: test, provenance: features.provenance,
        dataset: data.path, threads: threads ?? 1)
      results.append(Self.result(kind, path: path.path, evaluation.clips, evaluation.metrics))
      if prediction == nil {
        prediction = try PredictionWorkflow.predict(
          model, modelPath: path.path, clip: example, provenance: features.provenance, topK: 3)
      }
    }
    guard let prediction else { throw WorkflowError.noCandidates }
    return Result(dataset: data.path, results: results, prediction: prediction)
  }

  /// The side-by-side table `vidi demo` prints.
  public static func table(_ results: [ModelResult]) -> String {
    let header = "model            test accuracy   reversed-order pairs   other actions"
    let rows = results.map { result in
      result.model.padding(toLength: 17, withPad: " ", startingAt: 0)
        + percent(result.accuracy).leftPadded(13)
        + percent(result.reversedPairAccuracy).leftPadded(23)
        + percent(result.otherAccuracy).leftPadded(16)
    }
    return ([header] + rows).joined(separator: "\n")
  }

  static func result(
    _ kind: ModelKind, path: String, _ clips: [EvaluatedClip], _ metrics: EvaluationMetrics
  ) -> ModelResult {
    let paired = Set(DemoAction.allCases.filter { $0.reversed != nil }.map(\.rawValue))
    func accuracy(_ keep: (String) -> Bool) -> Double {
      let chosen = clips.filter { keep(metrics.classes[$0.trueLabel]) }
      guard !chosen.isEmpty else { return 0 }
      let correct = chosen.filter { clip in
        EvaluationMetrics.ranking(clip.probabilities).first == clip.trueLabel
      }
      return Double(correct.count) / Double(chosen.count)
    }
    return ModelResult(
      model: kind.rawValue, path: path, accuracy: metrics.accuracy,
      reversedPairAccuracy: accuracy { paired.contains($0) },
      otherAccuracy: accuracy { !paired.contains($0) }, perClass: metrics.perClass)
  }

  private static func percent(_ value: Double) -> String {
    String(format: "%.1f%%", 100 * value)
  }
}

extension String {
  fileprivate func leftPadded(_ width: Int) -> String {
    String(repeating: " ", count: max(0, width - count)) + self
  }
}
