import Foundation
import SequenceModels

/// `vidi-bench-training tune`: held-out accuracy of candidate settings on two synthetic
/// stand-ins for real data, the evidence for `ModelHyperparameters.defaults(for:)`.
///
/// - appearance: 9 classes of 1280-d frames whose class shows in every frame, hidden under
///   group, clip and frame noise; 382 training and 147 test clips from disjoint groups, like
///   the UCF101 dev split. Order carries nothing.
/// - order: the same frame vectors in a class-specific order; only order carries the class.
enum Tuning {
  static let dimension = 1280
  static let steps = 20
  /// Class signal per dimension, against noise of about 1.3: set so that the linear mean-pool
  /// model lands near 90 %, as logistic regression does on real UCF101 features.
  static let prototypeScale: Float = 0.18

  struct Candidate {
    var name: String
    var config: TrainingConfig
  }

  static func appearanceTask(seed: UInt64) -> (train: SequenceDataset, test: SequenceDataset) {
    let classes = 9
    var generator = SeededGenerator(seed: 77)
    let prototypes = (0..<classes).map { _ in gaussians(&generator, scale: prototypeScale) }
    var data = SeededGenerator(seed: seed)
    func clips(groups: Int, perGroup: Int, label: Int) -> [SequenceClip] {
      (0..<groups).flatMap { g -> [SequenceClip] in
        let groupOffset = gaussians(&data, scale: 0.6)
        return (0..<perGroup).map { _ in
          let clipOffset = gaussians(&data, scale: 0.5)
          var features: [Float] = []
          for _ in 0..<steps {
            let noise = gaussians(&data, scale: 1.0)
            for j in 0..<dimension {
              features.append(prototypes[label][j] + groupOffset[j] + clipOffset[j] + noise[j])
            }
          }
          return SequenceClip(
            features: features, length: steps, label: label, group: "\(label)-\(g)-\(seed)")
        }
      }
    }
    var train: [SequenceClip] = []
    var test: [SequenceClip] = []
    for label in 0..<classes {
      train += clips(groups: 10, perGroup: label < 4 ? 5 : 4, label: label)
      test += clips(groups: 4, perGroup: label < 3 ? 5 : 4, label: label)
    }
    let names = (0..<classes).map { "c\($0)" }
    return (
      SequenceDataset(classes: names, featureDimension: dimension, clips: train),
      SequenceDataset(classes: names, featureDimension: dimension, clips: test)
    )
  }

  static func orderTask(clips: Int, seed: UInt64) -> SequenceDataset {
    let classes = 4
    let frames = 8
    var generator = SeededGenerator(seed: 78)
    let prototypes = (0..<frames).map { _ in gaussians(&generator, scale: 0.5) }
    let identity = Array(0..<frames)
    var orders = [identity, identity.reversed()]
    while orders.count < classes { orders.append(identity.shuffled(using: &generator)) }
    var data = SeededGenerator(seed: seed)
    let items = (0..<clips).map { index in
      let label = index % classes
      let features = orders[label].flatMap { step in
        zip(prototypes[step], gaussians(&data, scale: 1)).map { $0 + $1 }
      }
      return SequenceClip(features: features, length: frames, label: label)
    }
    return SequenceDataset(
      classes: (0..<classes).map { "c\($0)" }, featureDimension: dimension, clips: items)
  }

  static func gaussians(_ generator: inout SeededGenerator, scale: Float) -> [Float] {
    (0..<dimension).map { _ in
      let u1 = Float(generator.next() >> 40) / 16_777_216
      let u2 = Float(generator.next() >> 40) / 16_777_216
      return scale * (-2 * log(1 - u1)).squareRoot() * cos(2 * .pi * u2)
    }
  }

  static func accuracy(_ model: TrainedModel, _ dataset: SequenceDataset, threads: Int) throws
    -> Double
  {
    let predictions = try model.predict(dataset.clips, threads: threads)
    let correct = zip(predictions, dataset.clips).filter { p, clip in
      p.indices.max { p[$0] < p[$1] } == clip.label
    }.count
    return Double(correct) / Double(dataset.clips.count)
  }

  /// Every candidate trains for at most `epochs` epochs (patience 20), the same budget for all.
  static let epochs = 150

  static func candidates(threads: Int) -> [Candidate] {
    func make(_ kind: ModelKind, _ hp: ModelHyperparameters) -> Candidate {
      var config = TrainingConfig(model: kind, seed: 1)
      config.threads = threads
      config.epochs = epochs
      config.hyperparameters = hp
      var name = "\(kind.rawValue) hidden \(hp.hiddenSize) × \(hp.layers)"
      name += ", dropout \(hp.dropout), input dropout \(hp.inputDropout)"
      if hp.bidirectional { name += ", bidirectional" }
      if hp == .defaults(for: kind) { name += " (default)" }
      return Candidate(name: name, config: config)
    }
    typealias HP = ModelHyperparameters
    return [
      make(.seedGRU, .seed),
      make(.meanPool, HP(hiddenSize: 256, layers: 0, dropout: 0.5)),
      make(.meanPool, HP(hiddenSize: 256, layers: 0, dropout: 0.5, inputDropout: 0.5)),
      make(.meanPool, HP(hiddenSize: 256, layers: 1, dropout: 0.5, inputDropout: 0.5)),
      make(.frameAverage, HP(hiddenSize: 256, layers: 0, dropout: 0.5)),
      make(.frameAverage, HP(hiddenSize: 256, layers: 1, dropout: 0.5)),
      make(.gru, HP(hiddenSize: 128, layers: 1, dropout: 0.3)),
      make(.gru, HP(hiddenSize: 128, layers: 1, dropout: 0.3, inputDropout: 0.3)),
      make(.gru, HP(hiddenSize: 64, layers: 1, dropout: 0.3, inputDropout: 0.3)),
      make(.gru, HP(hiddenSize: 256, layers: 1, dropout: 0.3, inputDropout: 0.3)),
      make(.gru, HP(hiddenSize: 128, layers: 2, dropout: 0.3, inputDropout: 0.3)),
      make(
        .gru, HP(hiddenSize: 128, layers: 1, dropout: 0.3, inputDropout: 0.3, bidirectional: true)),
      make(.lstm, HP(hiddenSize: 128, layers: 1, dropout: 0.3)),
      make(.lstm, HP(hiddenSize: 128, layers: 1, dropout: 0.3, inputDropout: 0.3)),
    ]
  }

  static func run(filter: String?, threads: Int) throws {
    let appearance = appearanceTask(seed: 1)
    let orderTrain = orderTask(clips: 320, seed: 1)
    let orderTest = orderTask(clips: 200, seed: 2)
    print("| candidate | appearance acc | epochs (best) | s | order acc |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for candidate in candidates(threads: threads)
    where filter.map({ candidate.name.contains($0) }) ?? true {
      let start = Date()
      let model = try Trainer.train(
        appearance.train, validation: .fraction(0.2), config: candidate.config)
      let seconds = Date().timeIntervalSince(start)
      let a = try accuracy(model, appearance.test, threads: threads)
      let orderModel = try Trainer.train(
        orderTrain, validation: .fraction(0.2), config: candidate.config)
      let o = try accuracy(orderModel, orderTest, threads: threads)
      print(
        "| \(candidate.name) | \(String(format: "%.3f", a)) | "
          + "\(model.training.history.count) (\(model.training.bestEpoch)) | "
          + "\(String(format: "%.0f", seconds)) | \(String(format: "%.3f", o)) |")
    }
  }
}
