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
      {
        var score = CandidateScore(
          model: .gru, validationAccuracy: 0.75, validationLoss: 0.5, bestEpoch: 2, epochs: 2,
          seconds: 0.25)
        score.history = [
          EpochRecord(
            epoch: 1, loss: 0.9, accuracy: 0.5, validationLoss: 0.7, validationAccuracy: 0.5,
            seconds: 0.125),
          EpochRecord(
            epoch: 2, loss: 0.6, accuracy: 0.75, validationLoss: 0.5, validationAccuracy: 0.75,
            seconds: 0.125),
        ]
        return score
      }(),
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
    #expect(loaded.selection?.candidates[0].history?.count == 2)
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

  /// Folds stopped early at different epochs: each epoch averages the folds that ran it.
  @Test func foldMeansAverageTheFoldsThatRanEachEpoch() {
    func record(_ epoch: Int, _ value: Double, validated: Bool = true) -> EpochRecord {
      EpochRecord(
        epoch: epoch, loss: value, accuracy: value / 10,
        validationLoss: validated ? value * 2 : nil,
        validationAccuracy: validated ? value / 20 : nil, seconds: 1)
    }
    let means = EpochRecord.foldMeans([
      [record(1, 1), record(2, 3), record(3, 5)],
      [record(1, 3), record(2, 5, validated: false)],
    ])
    #expect(means.map(\.epoch) == [1, 2, 3])
    #expect(means.map(\.loss) == [2, 4, 5])
    #expect(means.map(\.validationLoss) == [4, 6, 10])
    #expect(means[0].accuracy == 0.2 && means[0].validationAccuracy == 0.1)
    #expect(EpochRecord.foldMeans([]).isEmpty)
  }

  /// The selection record of a file written before candidates' curves and skipped candidates
  /// were recorded still loads.
  @Test func aSelectionWithoutCurvesOrSkipsDecodes() throws {
    let json = """
      {"rule": "r", "validation": "v", "chosen": "gru", "reason": "why",
       "candidates": [{"model": "gru", "validationAccuracy": 0.5, "validationLoss": 0.7,
                       "bestEpoch": 1, "epochs": 1, "seconds": 0.1}]}
      """
    let selection = try JSONDecoder().decode(ModelSelection.self, from: Data(json.utf8))
    #expect(selection.candidates[0].history == nil && selection.skipped == nil)
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
