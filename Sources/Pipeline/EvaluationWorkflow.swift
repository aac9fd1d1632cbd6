import Reporting
import SequenceModels

/// A model's scores on a labelled set of clips.
public struct FeatureEvaluation: Sendable, Equatable {
  public var metrics: EvaluationMetrics
  /// Every evaluated clip; misclassified ones carry per-frame probabilities when the model has
  /// a timeline.
  public var clips: [EvaluatedClip]
  /// The views averaged in besides the frames as decoded (test-time augmentation), in
  /// `FeatureView` order; empty for none.
  public var testViews: [FeatureView]

  public init(metrics: EvaluationMetrics, clips: [EvaluatedClip], testViews: [FeatureView]) {
    self.metrics = metrics
    self.clips = clips
    self.testViews = testViews
  }

  /// Whether flipped views were averaged in.
  public var usedFlippedViews: Bool { testViews.contains(.flipped) }

  /// The test-time augmentation for people and JSON: the views averaged in joined by "+",
  /// e.g. "flip" or "start-crop+end-crop"; "none" without.
  public var testTimeAugmentation: String {
    testViews.isEmpty ? "none" : testViews.map(\.rawValue).joined(separator: "+")
  }
}

/// What the model said about one evaluated clip: its true class, the predicted one and that
/// class's probability (`evaluate --json`'s `predictions`, for computing one's own metrics).
public struct ClipPrediction: Sendable, Hashable, Codable {
  public var video: String
  public var label: String
  public var predicted: String
  public var probability: Float
}

extension FeatureEvaluation {
  /// One entry per evaluated clip, in evaluation order.
  public var predictions: [ClipPrediction] {
    let classes = metrics.classes
    return clips.map { clip in
      let best = EvaluationMetrics.ranking(clip.probabilities)[0]
      return ClipPrediction(
        video: clip.path, label: classes[clip.trueLabel], predicted: classes[best],
        probability: clip.probabilities[best])
    }
  }
}

/// Applies a trained model to extracted features of labelled clips and scores it.
public enum EvaluationWorkflow {
  /// Evaluates `model` (loaded from `modelPath`, which names it in errors) on the original
  /// views in `clips`. The other views of a clip in `clips` (flipped, `--tta flip`; the end
  /// squares of a model trained on them) have their probabilities averaged with its original's. `provenance` says how the features were made and must match the model's.
  /// `dataset` names the clips in errors.
  public static func evaluate(
    _ model: TrainedModel, modelPath: String, clips: [ClipFeatures],
    provenance: FeatureProvenance?, dataset: String = "evaluation set", threads: Int = 1
  ) throws -> FeatureEvaluation {
    if let provenance { try model.checkProvenance(provenance, modelPath: modelPath) }
    let originals = clips.filter { $0.view == .original }
    guard !originals.isEmpty else {
      throw WorkflowError.noClips(dataset: dataset, part: "the evaluation split")
    }
    let labels = try classIndices(originals, model: model, modelPath: modelPath)
    try checkDimensions(clips, model: model)

    var probabilities = try model.predict(
      originals.map { $0.sequenceClip(label: 0) }, threads: threads)
    var viewCounts = [Float](repeating: 1, count: originals.count)
    let position = Dictionary(
      originals.enumerated().map { ($1.path, $0) }, uniquingKeysWith: { a, _ in a })
    let others = clips.filter { $0.view != .original && position[$0.path] != nil }
    let viewProbabilities = try model.predict(
      others.map { $0.sequenceClip(label: 0) }, threads: threads)
    for (clip, view) in zip(others, viewProbabilities) {
      let index = position[clip.path]!
      viewCounts[index] += 1
      for k in view.indices { probabilities[index][k] += view[k] }
    }
    for index in probabilities.indices where viewCounts[index] > 1 {
      probabilities[index] = probabilities[index].map { $0 / viewCounts[index] }
    }

    var evaluated: [EvaluatedClip] = []
    for (index, clip) in originals.enumerated() {
      var item = EvaluatedClip(
        path: clip.path, trueLabel: labels[index], probabilities: probabilities[index])
      if EvaluationMetrics.ranking(probabilities[index])[0] != labels[index] {
        item.frameProbabilities = try model.timeline(features: clip.values, length: clip.length)
        item.frameIndices = Array(clip.frameIndices.prefix(clip.length))
      }
      evaluated.append(item)
    }
    return FeatureEvaluation(
      metrics: try EvaluationMetrics(classes: model.classes, clips: evaluated),
      clips: evaluated, testViews: Set(others.map(\.view)).sorted())
  }

  /// Throws unless every class in `labels` is one of `model`'s, naming the ones that are not:
  /// a model cannot be scored on classes it never saw.
  public static func checkClasses(
    _ labels: some Sequence<String>, model: TrainedModel, modelPath: String
  ) throws(WorkflowError) {
    let unknown = Set(labels).subtracting(model.classes)
    guard unknown.isEmpty else {
      throw .unknownClasses(
        modelPath: modelPath, classes: unknown.sorted(), modelClasses: model.classes)
    }
  }

  /// Each clip's label as an index into the model's classes.
  static func classIndices(
    _ clips: [ClipFeatures], model: TrainedModel, modelPath: String
  ) throws -> [Int] {
    let labels = try clips.map { clip in
      guard let label = clip.label else { throw WorkflowError.unlabeled(path: clip.path) }
      return label
    }
    try checkClasses(labels, model: model, modelPath: modelPath)
    let index = Dictionary(uniqueKeysWithValues: model.classes.enumerated().map { ($1, $0) })
    return labels.map { index[$0]! }
  }

  /// Throws for the first clip whose features are not as wide as the model's input.
  static func checkDimensions(_ clips: [ClipFeatures], model: TrainedModel) throws {
    if let clip = clips.first(where: { $0.dimension != model.featureDimension }) {
      throw WorkflowError.dimensionMismatch(
        path: clip.path, found: clip.dimension, expected: model.featureDimension)
    }
  }
}

extension ReportInput {
  /// The report of `evaluation`: the model's training curves, its selection (candidates and
  /// why the winner won) and the caller's extras (skipped clips, frame strips, facts).
  public init(
    evaluation: FeatureEvaluation, model: TrainedModel, modelName: String, dataset: String,
    facts: [ReportFact] = [], skippedClips: [ReportSkippedClip] = [],
    frameStrips: [ReportFrameStrip] = []
  ) {
    var summaryFacts = [
      ReportFact("Model type", model.typeName),
      ReportFact("Clips evaluated", String(evaluation.metrics.clipCount)),
      ReportFact("Classes", String(model.classes.count)),
    ]
    if let provenance = model.provenance {
      summaryFacts += [
        ReportFact("Frames per clip", String(provenance.frameCount)),
        ReportFact("Sampling", provenance.sampling),
      ]
    }
    let training = model.training
    summaryFacts += [
      ReportFact("Training clips", String(training.data.trainingClips)),
      ReportFact(
        "Validation", "\(training.data.validationClips) clips (\(training.data.validation))"),
      ReportFact("Kept epoch", "\(training.bestEpoch) of \(training.history.count)"),
      ReportFact("Test-time augmentation", evaluation.testTimeAugmentation),
    ]
    let selection = model.selection
    self.init(
      summary: ReportSummary(
        model: modelName, backbone: model.provenance?.backbone ?? "unknown", dataset: dataset,
        facts: summaryFacts + facts),
      metrics: evaluation.metrics,
      history: ReportTrainingHistory(training.history, keptEpoch: training.bestEpoch),
      candidates: selection.map { selection in
        selection.candidates.map {
          ReportCandidate(
            model: $0.name, validationAccuracy: $0.validationAccuracy,
            validationLoss: $0.validationLoss,
            isChosen: selection.isChosen($0),
            accuracySD: $0.accuracySD, lossSD: $0.lossSD,
            history: ReportTrainingHistory($0.history ?? []))
        }
      } ?? [],
      selectionNote: selection.map {
        "\($0.reason) (rule: \($0.rule); validation: \($0.validation)"
          + ($0.refit.map { "; saved model: \($0)" } ?? "") + ")."
      },
      skippedClips: skippedClips,
      frameStrips: frameStrips)
  }
}

extension ReportTrainingHistory {
  /// The curves of a model's training history; the validation series are empty when it was
  /// trained without validation.
  public init(_ history: [EpochRecord], keptEpoch: Int? = nil) {
    self.init(
      trainLoss: history.map(\.loss),
      validationLoss: history.compactMap(\.validationLoss),
      trainAccuracy: history.map(\.accuracy),
      validationAccuracy: history.compactMap(\.validationAccuracy), keptEpoch: keptEpoch)
  }
}
