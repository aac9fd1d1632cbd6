import Foundation
import NumericCore

extension Trainer {
  /// Fits a linear classifier by L-BFGS: on each clip's mean valid frame (`linear`, with the
  /// standardisation fitted on those means, as scikit-learn's `StandardScaler` would be) or on
  /// every valid frame with its clip's label (`frame-average`). The history is one record,
  /// scored like an epoch of the iterative models.
  static func fitBySolver(
    _ training: SequenceDataset, held: SequenceDataset, validationDescription: String,
    config: TrainingConfig, provenance: FeatureProvenance?, onEpoch: (EpochRecord) -> Void
  ) -> TrainedModel {
    let start = Date()
    let pooled = config.model == .linear
    let rows = pooled ? meanFrames(training) : validFrames(training)
    let standardizer =
      pooled
      ? Standardizer(fittingRows: rows.values, dimension: training.featureDimension)
      : Standardizer(fitting: training)
    let classWeights = weights(for: training, config.classWeighting)
    let d = training.featureDimension
    var inputs = rows.values
    for i in 0..<rows.labels.count {
      for j in 0..<d {
        inputs[i * d + j] =
          (inputs[i * d + j] - Double(standardizer.mean[j])) * Double(standardizer.inverseStd[j])
      }
    }
    let problem = LogisticRegression(
      inputs: inputs, labels: rows.labels, weights: rows.labels.map { Double(classWeights[$0]) },
      dimension: d, classes: training.classes.count, c: config.hyperparameters.penaltyC ?? 1)
    let fit = problem.fit()
    let parameters = fit.parameters.map(Float.init)

    let architecture = config.architecture(inputWidth: d, classes: training.classes.count)
    let workers = [Worker(architecture: architecture, classes: training.classes.count)]
    let fitted = evaluate(
      training.clips, parameters: parameters, workers: workers, standardizer: standardizer,
      batchSize: 64)
    var record = EpochRecord(epoch: 1, loss: fitted.loss, accuracy: fitted.accuracy, seconds: 0)
    if !held.clips.isEmpty {
      let scores = evaluate(
        held.clips, parameters: parameters, workers: workers, standardizer: standardizer,
        batchSize: 64)
      record.validationLoss = scores.loss
      record.validationAccuracy = scores.accuracy
    }
    record.seconds = Date().timeIntervalSince(start)
    onEpoch(record)
    var summary = TrainingSummary(
      config: config, history: [record], bestEpoch: 1,
      data: DataSummary(
        trainingClips: training.clips.count, validationClips: held.clips.count,
        trainingClipsPerClass: training.classCounts, validationClipsPerClass: held.classCounts,
        framesPerClip: training.maximumFrames, validation: validationDescription))
    summary.solverIterations = fit.iterations
    return TrainedModel(
      classes: training.classes, featureDimension: d, standardizer: standardizer,
      parameters: parameters, training: summary, provenance: provenance)
  }

  /// Each clip's mean valid frame, `clips × dimension`, with the clips' labels.
  static func meanFrames(_ dataset: SequenceDataset) -> (values: [Double], labels: [Int]) {
    let d = dataset.featureDimension
    var values = [Double](repeating: 0, count: dataset.clips.count * d)
    for (i, clip) in dataset.clips.enumerated() {
      for f in 0..<clip.length {
        for j in 0..<d { values[i * d + j] += Double(clip.features[f * d + j]) }
      }
      for j in 0..<d { values[i * d + j] /= Double(clip.length) }
    }
    return (values, dataset.clips.map(\.label))
  }

  /// Every valid frame, `frames × dimension`, each with its clip's label.
  static func validFrames(_ dataset: SequenceDataset) -> (values: [Double], labels: [Int]) {
    let d = dataset.featureDimension
    var values: [Double] = []
    var labels: [Int] = []
    for clip in dataset.clips {
      values += clip.features[0..<(clip.length * d)].map(Double.init)
      labels += [Int](repeating: clip.label, count: clip.length)
    }
    return (values, labels)
  }
}

extension Standardizer {
  /// Mean and (population) standard deviation of each column of `rows × dimension` values; a
  /// constant column gets std 1.
  init(fittingRows values: [Double], dimension d: Int) {
    let n = values.count / d
    var sum = [Double](repeating: 0, count: d)
    var squares = [Double](repeating: 0, count: d)
    for i in 0..<n {
      for j in 0..<d {
        sum[j] += values[i * d + j]
        squares[j] += values[i * d + j] * values[i * d + j]
      }
    }
    let count = Double(max(n, 1))
    let mean = sum.map { $0 / count }
    let std = (0..<d).map { j -> Float in
      let deviation = Float(max(squares[j] / count - mean[j] * mean[j], 0).squareRoot())
      return deviation > 1e-6 ? deviation : 1
    }
    self.init(mean: mean.map(Float.init), std: std)
  }
}
