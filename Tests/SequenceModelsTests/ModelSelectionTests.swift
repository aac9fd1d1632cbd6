import Foundation
import SequenceModels
import Testing

/// The selection record and the nested frame classifier in the model file.
@Suite struct ModelSelectionTests {
  static func train(_ kind: ModelKind, classes: Int = 4) throws -> TrainedModel {
    var config = TrainingConfig(model: kind, seed: 3)
    config.epochs = 2
    config.hyperparameters.hiddenSize = 8
    return try Trainer.train(
      Synthetic.orderFreeTask(clips: 24, classes: classes, seed: 2), config: config)
  }

  static let selection = ModelSelection(
    rule: "best validation accuracy; ties: lower validation loss", validation: "fraction 0.2",
    candidates: [
      CandidateScore(
        model: .gru, validationAccuracy: 0.75, validationLoss: 0.5, bestEpoch: 2, epochs: 2,
        seconds: 0.25),
      CandidateScore(
        model: .frameAverage, validationAccuracy: 0.5, validationLoss: 0.9, bestEpoch: 1,
        epochs: 2, seconds: 0.125),
    ], chosen: .gru, reason: "gru has the best validation accuracy")

  @Test func selectionAndFrameClassifierRoundTripBitExactly() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
      "vidi-selection-\(UUID())")
    defer { try? FileManager.default.removeItem(at: folder) }
    let model = try Self.train(.gru).withSelection(Self.selection)
      .withFrameClassifier(Self.train(.frameAverage))
    let first = folder.appendingPathComponent("a.vidi")
    try model.save(to: first)
    let loaded = try TrainedModel.load(from: first)
    #expect(loaded == model)
    #expect(loaded.selection == Self.selection)
    #expect(loaded.frameClassifier?.kind == .frameAverage)
    let second = folder.appendingPathComponent("b.vidi")
    try loaded.save(to: second)
    for name in ["config.json", "weights.safetensors", "frame-classifier/config.json"] {
      #expect(
        try Data(contentsOf: first.appendingPathComponent(name))
          == Data(contentsOf: second.appendingPathComponent(name)))
    }
    let clip = Synthetic.orderFreeTask(clips: 1, seed: 9).clips[0]
    #expect(!model.hasFrameProbabilities && model.hasTimeline)
    #expect(
      try model.timeline(features: clip.features, length: clip.length)
        == model.frameClassifier!.frameProbabilities(features: clip.features, length: clip.length))
  }

  @Test func onlyAMatchingPerFrameModelCanBeTheFrameClassifier() throws {
    let gru = try Self.train(.gru)
    #expect(throws: SequenceModelError.self) { try gru.withFrameClassifier(Self.train(.meanPool)) }
    #expect(throws: SequenceModelError.self) {
      try gru.withFrameClassifier(Self.train(.frameAverage, classes: 3))
    }

    // A hand-edited folder whose nested model is not per-frame is refused on load.
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
      "vidi-selection-\(UUID())")
    defer { try? FileManager.default.removeItem(at: folder) }
    let url = folder.appendingPathComponent("m.vidi")
    try gru.save(to: url)
    try Self.train(.meanPool).save(to: url.appendingPathComponent("frame-classifier"))
    #expect {
      try TrainedModel.load(from: url)
    } throws: { error in
      let text = "\(error)"
      return text.hasPrefix(url.path + "/frame-classifier/config.json: invalid model config")
        && !text.contains("\n")
    }
  }
}
