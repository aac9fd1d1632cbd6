import Foundation
import SequenceModels
import Testing

/// The `linear` model on Gaussian classes with a shared covariance, where a linear classifier
/// is optimal, against a naive reference solver of the same objective.
@Suite struct LinearModelTests {
  static let dimension = 6
  static let classes = 3

  /// Clips whose frames scatter around their class's mean; lengths vary and padding is junk,
  /// so masking matters.
  static func gaussianClips(_ count: Int, seed: UInt64) -> SequenceDataset {
    var meanGenerator = SeededGenerator(seed: 21)
    let means = (0..<classes).map { _ in Synthetic.gaussians(dimension, &meanGenerator) }
    var generator = SeededGenerator(seed: seed)
    let clips = (0..<count).map { index in
      let label = index % classes
      let length = Int(generator.next() % 4) + 3
      let features = (0..<6).flatMap { step in
        step < length
          ? zip(means[label], Synthetic.gaussians(dimension, &generator)).map { $0 + 2.5 * $1 }
          : [Float](repeating: 99, count: dimension)
      }
      return SequenceClip(features: features, length: length, label: label)
    }
    return SequenceDataset(
      classes: (0..<classes).map { "class\($0)" }, featureDimension: dimension, clips: clips)
  }

  /// Each clip's mean valid frame, standardised with the population mean and std of those
  /// means (scikit-learn's StandardScaler).
  static func standardisedMeans(_ data: SequenceDataset) -> [[Double]] {
    let d = data.featureDimension
    let rows = data.clips.map { clip in
      (0..<d).map { j in
        (0..<clip.length).reduce(0.0) { $0 + Double(clip.features[$1 * d + j]) }
          / Double(clip.length)
      }
    }
    let n = Double(rows.count)
    let mean = (0..<d).map { j in rows.reduce(0) { $0 + $1[j] } / n }
    let std = (0..<d).map { j in
      (rows.reduce(0) { $0 + ($1[j] - mean[j]) * ($1[j] - mean[j]) } / n).squareRoot()
    }
    return rows.map { row in (0..<d).map { (row[$0] - mean[$0]) / std[$0] } }
  }

  /// scikit-learn's objective, Σ CE + ‖W‖² / (2C), written out by the definition.
  static func objective(
    _ w: [[Double]], _ b: [Double], rows: [[Double]], labels: [Int], c: Double
  ) -> Double {
    var total: Double = 0
    for (x, y) in zip(rows, labels) {
      let logits = (0..<classes).map { k in b[k] + zip(x, w).reduce(0) { $0 + $1.0 * $1.1[k] } }
      let largest = logits.max()!
      let sum = logits.reduce(0) { $0 + exp($1 - largest) }
      total -= logits[y] - largest - log(sum)
    }
    let squares = w.flatMap { $0 }.reduce(0) { $0 + $1 * $1 }
    return total + squares / (2 * c)
  }

  /// Plain gradient descent on the objective, long enough to converge on this tiny problem.
  static func referenceFit(rows: [[Double]], labels: [Int], c: Double)
    -> (w: [[Double]], b: [Double])
  {
    let d = rows[0].count
    var w = [[Double]](repeating: [Double](repeating: 0, count: classes), count: d)
    var b = [Double](repeating: 0, count: classes)
    let step = 0.5 / Double(rows.count)
    for _ in 0..<20_000 {
      var gw = w.map { $0.map { $0 / c } }
      var gb = [Double](repeating: 0, count: classes)
      for (x, y) in zip(rows, labels) {
        let logits = (0..<classes).map { k in b[k] + zip(x, w).reduce(0) { $0 + $1.0 * $1.1[k] } }
        let largest = logits.max()!
        let e = logits.map { exp($0 - largest) }
        let sum = e.reduce(0, +)
        for k in 0..<classes {
          let r = e[k] / sum - (k == y ? 1 : 0)
          gb[k] += r
          for j in 0..<d { gw[j][k] += r * x[j] }
        }
      }
      for j in 0..<d { for k in 0..<classes { w[j][k] -= step * gw[j][k] } }
      for k in 0..<classes { b[k] -= step * gb[k] }
    }
    return (w, b)
  }

  static func fitLinear(_ data: SequenceDataset, c: Double) throws -> TrainedModel {
    var config = TrainingConfig(model: .linear, seed: 1)
    config.hyperparameters.penaltyC = c
    config.threads = 1
    return try Trainer.train(data, validation: .none, config: config)
  }

  @Test(arguments: [0.05, 1.0])
  func matchesTheReferenceSolversLossAndAccuracy(c: Double) throws {
    let training = Self.gaussianClips(90, seed: 3)
    let test = Self.gaussianClips(300, seed: 4)
    let model = try Self.fitLinear(training, c: c)
    #expect(model.kind == .linear)
    #expect(model.training.solverIterations.map { $0 > 0 } == true)

    let rows = Self.standardisedMeans(training)
    let labels = training.clips.map(\.label)
    let reference = Self.referenceFit(rows: rows, labels: labels, c: c)
    let kernel = try #require(model.parameter(named: "1.dense.kernel")).map(Double.init)
    let bias = try #require(model.parameter(named: "1.dense.bias")).map(Double.init)
    let w = (0..<Self.dimension).map { j in
      (0..<Self.classes).map { kernel[j * Self.classes + $0] }
    }
    let vidi = Self.objective(w, bias, rows: rows, labels: labels, c: c)
    let best = Self.objective(reference.w, reference.b, rows: rows, labels: labels, c: c)
    #expect(abs(vidi - best) <= 1e-4 * best, "Vidi \(vidi), reference \(best)")

    // The same decisions on unseen clips as the reference solution.
    let testRows = Self.standardisedMeans(test)
    let vidiProbabilities = try model.predict(test.clips)
    var agree = 0
    var correct = 0
    var referenceCorrect = 0
    for (index, clip) in test.clips.enumerated() {
      let x = testRows[index]
      let scores = (0..<Self.classes).map { k in
        reference.b[k] + zip(x, reference.w).reduce(0) { $0 + $1.0 * $1.1[k] }
      }
      let referenceLabel = scores.indices.max { scores[$0] < scores[$1] }!
      let p = vidiProbabilities[index]
      let vidiLabel = p.indices.max { p[$0] < p[$1] }!
      if referenceLabel == clip.label { referenceCorrect += 1 }
      if vidiLabel == clip.label { correct += 1 }
      if vidiLabel == referenceLabel { agree += 1 }
    }
    print("linear C=\(c): accuracy \(correct)/300, reference \(referenceCorrect)/300")
    #expect(abs(correct - referenceCorrect) <= 3)
    #expect(agree >= 285)
    #expect(Double(correct) / 300 > 0.7)
  }

  /// Every weight tensor, bit for bit (the history's timings differ between runs).
  static func weights(_ model: TrainedModel) -> [[Float]?] {
    model.parameterSpecs.map { model.parameter(named: $0.name) }
  }

  @Test func isDeterministicAndSurvivesTheModelFile() throws {
    let training = Self.gaussianClips(60, seed: 5)
    let first = try Self.fitLinear(training, c: 1)
    let second = try Self.fitLinear(training, c: 1)
    #expect(Self.weights(first) == Self.weights(second))
    let folder = FileManager.default.temporaryDirectory
      .appendingPathComponent("vidi-linear-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let url = folder.appendingPathComponent("linear.vidi")
    try first.save(to: url)
    let loaded = try TrainedModel.load(from: url)
    #expect(loaded == first)
    #expect(loaded.hyperparameters.penaltyC == 1)
    #expect(try loaded.predict(training.clips) == first.predict(training.clips))
  }

  @Test func aStrongerPenaltyShrinksTheWeights() throws {
    let training = Self.gaussianClips(60, seed: 6)
    func norm(_ model: TrainedModel) throws -> Float {
      try #require(model.parameter(named: "1.dense.kernel")).reduce(0) { $0 + $1 * $1 }
    }
    #expect(try norm(Self.fitLinear(training, c: 0.01)) < norm(Self.fitLinear(training, c: 10)))
  }

  @Test func frameAverageUsesTheSolverAndIsDeterministic() throws {
    let training = Self.gaussianClips(45, seed: 7)
    var config = TrainingConfig(model: .frameAverage, seed: 1)
    config.threads = 1
    #expect(config.usesSolver)
    let first = try Trainer.train(training, validation: .none, config: config)
    let second = try Trainer.train(training, validation: .none, config: config)
    #expect(Self.weights(first) == Self.weights(second))
    #expect(first.training.history.count == 1)
    #expect(try Synthetic.accuracy(first, on: Self.gaussianClips(150, seed: 8)) > 0.7)
  }
}
