import Foundation
import SequenceModels
import Testing

/// An ensemble averages its members' probabilities, and its model folder holds every member.
@Suite struct EnsembleTests {
  static let task = Synthetic.orderFreeTask(clips: 24, classes: 3, seed: 2)

  static func train(_ kind: ModelKind, seed: UInt64 = 3) throws -> TrainedModel {
    var config = TrainingConfig(model: kind, seed: seed)
    config.epochs = 3
    config.threads = 1
    config.hyperparameters.hiddenSize = 8
    return try Trainer.train(task, config: config)
  }

  static func members() throws -> [TrainedModel] {
    [try train(.linear), try train(.gru), try train(.frameAverage)]
  }

  @Test func anEnsembleAveragesItsMembersProbabilities() throws {
    let members = try Self.members()
    let ensemble = try members[0].ensembled(with: Array(members.dropFirst()))
    #expect(ensemble.isEnsemble && !members[0].isEnsemble)
    #expect(ensemble.ensembleMembers.map(\.kind) == [.linear, .gru, .frameAverage])
    #expect(ensemble.typeName == "ensemble of linear + gru + frame-average")
    #expect(members[1].typeName == "gru")
    // Its clip prediction is the members' mean, so it does not claim frame probabilities.
    #expect(!ensemble.hasFrameProbabilities && members[2].hasFrameProbabilities)

    let clips = Synthetic.orderFreeTask(clips: 6, classes: 3, seed: 11).clips
    let each = try members.map { try $0.predict(clips, threads: 2) }
    let averaged = try ensemble.predict(clips, threads: 2)
    #expect(averaged.count == clips.count)
    for (clip, p) in averaged.enumerated() {
      for k in 0..<3 {
        let mean = (each[0][clip][k] + each[1][clip][k] + each[2][clip][k]) / 3
        #expect(abs(p[k] - mean) < 1e-6)
      }
      #expect(abs(p.reduce(0, +) - 1) < 1e-5)
      // Not just one member's answer.
      #expect(p != each[0][clip] && p != each[1][clip])
    }
    #expect(
      try ensemble.predict(features: clips[0].features, length: clips[0].length) == averaged[0])
  }

  @Test func membersMustClassifyTheSameClassesFromTheSameFeatures() throws {
    var config = TrainingConfig(model: .linear, seed: 1)
    config.threads = 1
    let other = try Trainer.train(
      Synthetic.orderFreeTask(clips: 24, classes: 4, seed: 2), config: config)
    #expect(throws: SequenceModelError.self) { try Self.train(.linear).ensembled(with: [other]) }
  }

  @Test func anEnsembleIsSavedAndLoadedWithEveryMember() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
      "vidi-ensemble-\(UUID())")
    defer { try? FileManager.default.removeItem(at: folder) }
    let members = try Self.members()
    let ensemble = try members[1].ensembled(with: [members[0], members[2]])
      .withFrameClassifier(members[2])
    let url = folder.appendingPathComponent("e.vidi")
    try ensemble.save(to: url)
    for name in ["config.json", "ensemble-member-1/config.json", "ensemble-member-2/config.json"] {
      #expect(FileManager.default.fileExists(atPath: url.appendingPathComponent(name).path))
    }
    let loaded = try TrainedModel.load(from: url)
    #expect(loaded == ensemble)
    #expect(loaded.ensembleMembers.map(\.kind) == [.gru, .linear, .frameAverage])
    let clips = Synthetic.orderFreeTask(clips: 4, classes: 3, seed: 5).clips
    #expect(try loaded.predict(clips) == ensemble.predict(clips))

    // A single model's folder is as before: no member folders, no member count.
    let single = folder.appendingPathComponent("s.vidi")
    try members[0].save(to: single)
    let config = try String(
      contentsOf: single.appendingPathComponent("config.json"), encoding: .utf8)
    #expect(!config.contains("ensembleMembers"))
    #expect(try TrainedModel.load(from: single) == members[0])

    // A member folder that went missing is a one-line error naming it.
    try FileManager.default.removeItem(at: url.appendingPathComponent("ensemble-member-2"))
    #expect {
      try TrainedModel.load(from: url)
    } throws: { error in
      "\(error)" == url.path + "/ensemble-member-2/config.json: no such file"
    }
  }
}
