/// Everything an HTML evaluation report shows. Plain values, so any caller can fill it in.
public struct ReportInput: Sendable, Hashable {
  public var title: String
  public var summary: ReportSummary
  public var metrics: EvaluationMetrics
  public var history: ReportTrainingHistory
  /// The models compared during selection; empty when the model was named explicitly.
  public var candidates: [ReportCandidate]
  /// Why the chosen candidate won, in one sentence (e.g. the selection rule).
  public var selectionNote: String?
  /// Clips that could not be read and were left out of the evaluation.
  public var skippedClips: [ReportSkippedClip]
  /// Sampled frames of some misclassified clips, matched to them by path.
  public var frameStrips: [ReportFrameStrip]

  public init(
    title: String = "Vidi evaluation report",
    summary: ReportSummary,
    metrics: EvaluationMetrics,
    history: ReportTrainingHistory = ReportTrainingHistory(),
    candidates: [ReportCandidate] = [],
    selectionNote: String? = nil,
    skippedClips: [ReportSkippedClip] = [],
    frameStrips: [ReportFrameStrip] = []
  ) {
    self.title = title
    self.summary = summary
    self.metrics = metrics
    self.history = history
    self.candidates = candidates
    self.selectionNote = selectionNote
    self.skippedClips = skippedClips
    self.frameStrips = frameStrips
  }
}

/// What was evaluated: the model, its backbone and the data, plus any extra facts to list.
public struct ReportSummary: Sendable, Hashable {
  public var model: String
  public var backbone: String
  public var dataset: String
  /// Further label/value lines, e.g. split, frames per clip, sampling.
  public var facts: [ReportFact]

  public init(model: String, backbone: String, dataset: String, facts: [ReportFact] = []) {
    self.model = model
    self.backbone = backbone
    self.dataset = dataset
    self.facts = facts
  }
}

/// One label/value line of the summary.
public struct ReportFact: Sendable, Hashable {
  public var label: String
  public var value: String

  public init(_ label: String, _ value: String) {
    self.label = label
    self.value = value
  }
}

/// Per-epoch training numbers, index 0 = epoch 1. Any series may be empty (e.g. no validation).
public struct ReportTrainingHistory: Sendable, Hashable {
  public var trainLoss: [Double]
  public var validationLoss: [Double]
  /// Fractions in 0...1.
  public var trainAccuracy: [Double]
  /// Fractions in 0...1.
  public var validationAccuracy: [Double]
  /// The epoch whose weights the model kept, marked on the charts.
  public var keptEpoch: Int?

  public init(
    trainLoss: [Double] = [], validationLoss: [Double] = [], trainAccuracy: [Double] = [],
    validationAccuracy: [Double] = [], keptEpoch: Int? = nil
  ) {
    self.trainLoss = trainLoss
    self.validationLoss = validationLoss
    self.trainAccuracy = trainAccuracy
    self.validationAccuracy = validationAccuracy
    self.keptEpoch = keptEpoch
  }

  var isEmpty: Bool {
    trainLoss.isEmpty && validationLoss.isEmpty && trainAccuracy.isEmpty
      && validationAccuracy.isEmpty
  }
}

/// One model tried during selection and how it scored on the validation split.
public struct ReportCandidate: Sendable, Hashable {
  public var model: String
  public var validationAccuracy: Double
  public var validationLoss: Double?
  public var isChosen: Bool
  /// Standard deviations over cross-validation folds; nil for a single validation split.
  public var accuracySD: Double?
  public var lossSD: Double?
  /// Its per-epoch curves (under cross-validation, means over the folds); empty when unknown.
  public var history: ReportTrainingHistory

  public init(
    model: String, validationAccuracy: Double, validationLoss: Double?, isChosen: Bool,
    accuracySD: Double? = nil, lossSD: Double? = nil,
    history: ReportTrainingHistory = ReportTrainingHistory()
  ) {
    self.model = model
    self.validationAccuracy = validationAccuracy
    self.validationLoss = validationLoss
    self.isChosen = isChosen
    self.accuracySD = accuracySD
    self.lossSD = lossSD
    self.history = history
  }
}

/// A clip that was skipped, and why.
public struct ReportSkippedClip: Sendable, Hashable {
  public var path: String
  public var reason: String

  public init(path: String, reason: String) {
    self.path = path
    self.reason = reason
  }
}

/// Frames sampled from one clip, shown side by side.
public struct ReportFrameStrip: Sendable, Hashable {
  public var path: String
  public var frames: [RGBThumbnail]
  /// Each frame's index in the video; empty when unknown.
  public var frameIndices: [Int]
  /// Each frame's time in seconds; empty when unknown.
  public var times: [Double]

  public init(
    path: String, frames: [RGBThumbnail], frameIndices: [Int] = [], times: [Double] = []
  ) {
    self.path = path
    self.frames = frames
    self.frameIndices = frameIndices
    self.times = times
  }
}
