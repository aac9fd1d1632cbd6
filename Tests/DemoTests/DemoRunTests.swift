import Backbones
import Demo
import Foundation
import Pipeline
import Testing

@Suite struct DemoRunTests {
  @Test func runsEveryStepAndReportsBothModelsOnTheReversedPairs() throws {
    let folder = FileManager.default.temporaryDirectory
      .appendingPathComponent("vidi-demo-run-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: folder) }
    let weights = ModelStore().checkpointLocation(for: .efficientnetLite0)
    try #require(
      FileManager.default.fileExists(atPath: weights.path),
      "\(weights.path) is missing: run `\(BackboneID.efficientnetLite0.fetchCommand)`")
    var demo = DemoRun(directory: folder)
    demo.dataset = DemoDataset(
      actions: [.sitDown, .standUp, .wave], trainClipsPerClass: 5, testClipsPerClass: 2,
      frameCount: 8, width: 64, height: 48, framesPerSecond: 8, seed: 2)
    demo.features = FeatureOptions(frames: 4)
    var lines: [String] = []
    let result = try demo.run { lines.append($0) }

    #expect(result.results.map(\.model) == ["gru", "frame-average"])
    for model in result.results {
      #expect(model.perClass.map(\.label) == ["sit-down", "stand-up", "wave"])
      // The overall accuracy agrees with the per-class recalls and with the pair/other split
      // (four test clips in the reversed pair, two of wave).
      #expect(model.perClass.map(\.support) == [2, 2, 2])
      let recalled = model.perClass.reduce(0) { $0 + $1.recall * Double($1.support) }
      #expect(abs(model.accuracy - recalled / 6) < 1e-9)
      let split = (model.reversedPairAccuracy * 4 + model.otherAccuracy * 2) / 6
      #expect(abs(model.accuracy - split) < 1e-9)
      #expect(FileManager.default.fileExists(atPath: model.path + "/config.json"))
    }
    #expect(result.prediction.predictions.count == 3)
    #expect(result.prediction.video.contains("stand-up"))
    #expect(lines.contains { $0.contains("epoch") })
    let table = DemoRun.table(result.results)
    #expect(table.contains("reversed-order pairs") && table.contains("frame-average"))

    let again = try demo.run { _ in }
    #expect(again.results.map(\.accuracy) == result.results.map(\.accuracy))
  }
}
