import Foundation
import NumericCore

/// Trains the sequence classifiers.
public enum Trainer {
  /// Trains `config.model` on `dataset` and returns the weights of the epoch with the lowest
  /// validation loss (the last epoch without validation). Linear classifiers
  /// (`config.usesSolver`) are instead fitted to convergence by L-BFGS, as one "epoch".
  ///
  /// Minibatches are reshuffled every epoch from `config.seed`; the same seed, data and thread
  /// count give bit-identical models. Features are standardised with the training clips'
  /// mean and std, which the model keeps. `onEpoch` sees each epoch's record as it ends.
  ///
  /// With more than one thread, each thread takes a slice of every batch and calls the BLAS
  /// single-threaded (the BLAS thread count is 1 while it trains, and restored afterwards).
  public static func train(
    _ dataset: SequenceDataset,
    validation: ValidationSource = .fraction(0.2),
    config: TrainingConfig,
    provenance: FeatureProvenance? = nil,
    onEpoch: (EpochRecord) -> Void = { _ in }
  ) throws -> TrainedModel {
    try config.validate()
    try dataset.validate(name: "training set")
    let (training, held, validationDescription) = try splitValidation(
      dataset, validation, seed: config.seed)
    guard !training.clips.isEmpty else {
      throw SequenceModelError.invalidData("training set: no clips to train on")
    }
    if config.usesSolver {
      return fitBySolver(
        training, held: held, validationDescription: validationDescription, config: config,
        provenance: provenance, onEpoch: onEpoch)
    }
    guard config.threads > 1 else {
      return try descend(
        training, held: held, validationDescription: validationDescription, config: config,
        provenance: provenance, onEpoch: onEpoch)
    }
    return try BLAS.withThreadCount(1) {
      try descend(
        training, held: held, validationDescription: validationDescription, config: config,
        provenance: provenance, onEpoch: onEpoch)
    }
  }

  /// Minibatch Adam over epochs with early stopping on `held`, as `train` describes.
  private static func descend(
    _ training: SequenceDataset, held: SequenceDataset, validationDescription: String,
    config: TrainingConfig, provenance: FeatureProvenance?, onEpoch: (EpochRecord) -> Void
  ) throws -> TrainedModel {
    let standardizer = Standardizer(fitting: training)
    let classes = training.classes.count
    let architecture = config.architecture(
      inputWidth: training.featureDimension, classes: classes)
    let workers = (0..<config.threads).map { _ in
      Worker(architecture: architecture, classes: classes)
    }
    var parameters = workers[0].network.initialParameters(seed: config.seed)
    let layout = workers[0].network.layout
    var adam = Adam(
      learningRate: Float(config.learningRate), weightDecay: Float(config.weightDecay),
      layout: layout)
    let classWeights = weights(for: training, config.classWeighting)

    var history: [EpochRecord] = []
    var best = (epoch: 0, loss: Double.infinity, parameters: parameters)
    for epoch in 1...config.epochs {
      let start = Date()
      var order = Array(training.clips.indices)
      var shuffler = SeededGenerator(seed: config.seed, stream: 1, UInt64(epoch))
      order.shuffle(using: &shuffler)
      var lossSum: Double = 0
      var weightSum: Double = 0
      var correct = 0
      for (batchIndex, batchStart) in stride(from: 0, to: order.count, by: config.batchSize)
        .enumerated()
      {
        let batch = order[batchStart..<min(batchStart + config.batchSize, order.count)]
        let total = batch.reduce(Float(0)) { $0 + classWeights[training.clips[$1].label] }
        let parts = contiguousParts(batch, parts: workers.count)
        parameters.withUnsafeBufferPointer { p in
          let shared = SharedParameters(pointer: p.baseAddress!)
          runParallel(parts.count) { k in
            let worker = workers[k]
            let clips = parts[k].map { training.clips[$0] }
            worker.load(clips, standardizer: standardizer)
            let seed = SeededGenerator(
              seed: config.seed, stream: 2, UInt64(epoch), UInt64(batchIndex), UInt64(k)
            ).peek()
            worker.forward(parameters: shared.pointer, training: true, dropoutSeed: seed)
            worker.stepLoss = worker.backward(
              parameters: shared.pointer, clipWeights: clips.map { classWeights[$0.label] / total },
              smoothing: Float(config.labelSmoothing))
            worker.stepCorrect = correctCount(worker.clipProbabilities, clips, classes: classes)
          }
        }
        let gradients = workers[0].gradients.pointer
        for worker in workers[1..<parts.count] {
          let other = worker.gradients.pointer
          for i in 0..<layout.count { gradients[i] += other[i] }
        }
        if let clipNorm = config.clipNorm {
          clipGlobalNorm(gradients, count: layout.count, maximum: Float(clipNorm))
        }
        adam.update(&parameters, gradients: gradients)
        let used = workers[0..<parts.count]
        lossSum += used.reduce(0) { $0 + $1.stepLoss } * Double(total)
        weightSum += Double(total)
        correct += used.reduce(0) { $0 + $1.stepCorrect }
      }
      let loss = lossSum / weightSum
      guard loss.isFinite else { throw SequenceModelError.diverged(epoch: epoch) }
      var record = EpochRecord(
        epoch: epoch, loss: loss, accuracy: Double(correct) / Double(training.clips.count),
        seconds: 0)
      if !held.clips.isEmpty {
        let scores = evaluate(
          held.clips, parameters: parameters, workers: workers, standardizer: standardizer,
          batchSize: max(config.batchSize, 64))
        record.validationLoss = scores.loss
        record.validationAccuracy = scores.accuracy
      }
      record.seconds = Date().timeIntervalSince(start)
      history.append(record)
      onEpoch(record)
      if let validationLoss = record.validationLoss {
        if validationLoss < best.loss - (config.minimumImprovement ?? 0) {
          best = (epoch, validationLoss, parameters)
        }
        if let patience = config.patience, epoch - best.epoch >= patience { break }
      } else {
        best = (epoch, loss, parameters)
      }
    }

    let summary = TrainingSummary(
      config: config, history: history, bestEpoch: best.epoch,
      data: DataSummary(
        trainingClips: training.clips.count, validationClips: held.clips.count,
        trainingClipsPerClass: training.classCounts, validationClipsPerClass: held.classCounts,
        framesPerClip: training.maximumFrames, validation: validationDescription))
    return TrainedModel(
      classes: training.classes, featureDimension: training.featureDimension,
      standardizer: standardizer, parameters: best.parameters, training: summary,
      provenance: provenance)
  }

  /// Mean cross-entropy and accuracy of the predicted probabilities of `clips`.
  static func evaluate(
    _ clips: [SequenceClip], parameters: [Float], workers: [Worker],
    standardizer: Standardizer, batchSize: Int
  ) -> (loss: Double, accuracy: Double) {
    let probabilities = predict(
      clips, parameters: parameters, workers: workers, standardizer: standardizer,
      batchSize: batchSize)
    var loss: Double = 0
    var correct = 0
    for (clip, p) in zip(clips, probabilities) {
      loss -= log(max(Double(p[clip.label]), 1e-38))
      if argmax(p) == clip.label { correct += 1 }
    }
    return (loss / Double(clips.count), Double(correct) / Double(clips.count))
  }

  /// Inference-mode probabilities of `clips`, batches spread over the workers.
  static func predict(
    _ clips: [SequenceClip], parameters: [Float], workers: [Worker],
    standardizer: Standardizer, batchSize: Int
  ) -> [[Float]] {
    var result: [[Float]] = []
    result.reserveCapacity(clips.count)
    let chunk = batchSize * workers.count
    for start in stride(from: 0, to: clips.count, by: chunk) {
      let parts = contiguousParts(
        clips[start..<min(start + chunk, clips.count)], parts: workers.count)
      parameters.withUnsafeBufferPointer { p in
        let shared = SharedParameters(pointer: p.baseAddress!)
        runParallel(parts.count) { k in
          workers[k].load(Array(parts[k]), standardizer: standardizer)
          workers[k].forward(parameters: shared.pointer, training: false, dropoutSeed: 0)
        }
      }
      for (k, part) in parts.enumerated() {
        let c = workers[k].classes
        result += (0..<part.count).map {
          Array(workers[k].clipProbabilities[($0 * c)..<(($0 + 1) * c)])
        }
      }
    }
    return result
  }

  private static func splitValidation(
    _ dataset: SequenceDataset, _ validation: ValidationSource, seed: UInt64
  ) throws -> (SequenceDataset, SequenceDataset, String) {
    switch validation {
    case .none:
      return (dataset, dataset.subset([]), "none")
    case .fraction(let fraction):
      guard (0..<1).contains(fraction) else {
        throw SequenceModelError.invalidConfig("validation fraction \(fraction) outside [0, 1)")
      }
      let (train, held) = ValidationSplit.split(
        labels: dataset.clips.map(\.label), groups: dataset.clips.map(\.group),
        fraction: fraction, seed: seed)
      let grouped = dataset.clips.contains { $0.group != nil }
      let description =
        "fraction \(fraction), stratified by class" + (grouped ? ", group-disjoint" : "")
      return (dataset.subset(train), dataset.subset(held), description)
    case .dataset(let held, let description):
      try held.validate(name: "validation set")
      guard held.classes == dataset.classes else {
        throw SequenceModelError.invalidData(
          "validation set: classes differ from the training set's")
      }
      guard held.featureDimension == dataset.featureDimension else {
        throw SequenceModelError.invalidData(
          "validation set: \(held.featureDimension)-d features, training set has "
            + "\(dataset.featureDimension)-d")
      }
      return (dataset, held, description)
    }
  }

  static func weights(for dataset: SequenceDataset, _ weighting: ClassWeighting)
    -> [Float]
  {
    let counts = dataset.classCounts
    switch weighting {
    case .uniform:
      return counts.map { _ in 1 }
    case .balanced:
      let present = counts.filter { $0 > 0 }.count
      return counts.map {
        $0 == 0 ? 0 : Float(dataset.clips.count) / Float(present * $0)
      }
    }
  }

  private static func correctCount(_ probabilities: [Float], _ clips: [SequenceClip], classes: Int)
    -> Int
  {
    clips.indices.reduce(0) { count, b in
      let row = Array(probabilities[(b * classes)..<((b + 1) * classes)])
      return count + (argmax(row) == clips[b].label ? 1 : 0)
    }
  }
}

/// Index of the largest value (the first one on ties).
func argmax(_ values: [Float]) -> Int {
  values.indices.max { values[$0] < values[$1] || (values[$0] == values[$1] && $0 > $1) } ?? 0
}

extension SeededGenerator {
  /// The next value without advancing: a seed derived from this generator's stream.
  func peek() -> UInt64 {
    var copy = self
    return copy.next()
  }
}
