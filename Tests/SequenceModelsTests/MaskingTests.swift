import Foundation
import SequenceModels
import Testing

/// Masked (padding) steps must not change a prediction, whatever they contain.
@Suite struct MaskingTests {
  static func quickModel(_ kind: ModelKind, bidirectional: Bool = false) throws -> TrainedModel {
    var config = TrainingConfig(model: kind, seed: 3)
    config.epochs = 3
    config.threads = 1
    if kind != .seedGRU {
      config.hyperparameters = ModelHyperparameters(
        hiddenSize: 8, layers: kind == .gru || kind == .lstm ? 2 : 1, dropout: 0.2,
        bidirectional: bidirectional)
    }
    return try Trainer.train(
      Synthetic.orderFreeTask(clips: 40, seed: 8), validation: .none, config: config)
  }

  static let cases: [(ModelKind, Bool)] = [
    (.seedGRU, false), (.gru, false), (.gru, true), (.lstm, false), (.lstm, true),
    (.frameAverage, false), (.meanPool, false),
  ]

  @Test(arguments: cases.indices)
  func paddingWithMaskedStepsLeavesPredictionsUnchanged(index: Int) throws {
    let (kind, bidirectional) = Self.cases[index]
    let model = try Self.quickModel(kind, bidirectional: bidirectional)
    let clip = Synthetic.orderFreeTask(clips: 1, seed: 21).clips[0]
    let d = model.featureDimension
    let real = Array(clip.features[0..<(clip.length * d)])
    var generator = SeededGenerator(seed: 4)
    let padded = real + Synthetic.gaussians(7 * d, &generator).map { $0 * 10 }

    let plain = try model.predict(features: real, length: clip.length)
    let masked = try model.predict(features: padded, length: clip.length)
    for (a, b) in zip(plain, masked) { #expect(abs(a - b) < 1e-6) }

    // In a batch with longer clips, the short clip is padded too.
    let batch = try model.predict([
      SequenceClip(features: padded + padded, length: 2 * (clip.length + 7), label: 0),
      SequenceClip(features: real, length: clip.length, label: 0),
    ])
    for (a, b) in zip(plain, batch[1]) { #expect(abs(a - b) < 1e-6) }
  }

  @Test func frameAverageIsTheMeanOfItsFrames() throws {
    let model = try Self.quickModel(.frameAverage)
    let clip = Synthetic.orderFreeTask(clips: 1, seed: 22).clips[0]
    let frames = try #require(
      try model.frameProbabilities(features: clip.features, length: clip.length))
    #expect(frames.count == clip.length)
    let clipProbabilities = try model.predict(features: clip.features, length: clip.length)
    for k in clipProbabilities.indices {
      let mean = frames.map { $0[k] }.reduce(0, +) / Float(frames.count)
      #expect(abs(mean - clipProbabilities[k]) < 1e-6)
    }
    #expect(try Self.quickModel(.gru).frameProbabilities(features: clip.features, length: 1) == nil)
  }

  @Test func predictRejectsMalformedClips() throws {
    let model = try Self.quickModel(.meanPool)
    let d = model.featureDimension
    #expect(throws: SequenceModelError.self) {
      try model.predict(features: [Float](repeating: 0, count: d + 1), length: 1)
    }
    #expect(throws: SequenceModelError.self) {
      try model.predict(features: [Float](repeating: 0, count: 2 * d), length: 3)
    }
    #expect(throws: SequenceModelError.self) {
      try model.predict(features: [Float](repeating: 0, count: 2 * d), length: 0)
    }
  }
}
