import Foundation
import Testing

/// `vidi train --augment crops`: the model records its squares, and `evaluate` and `predict`
/// average them without being asked.
@Suite struct CropCommandTests {
  @Test func aModelTrainedOnCropsIsEvaluatedAndPredictedOnThem() throws {
    let workspace = try WorkflowCommandTests.Workspace()
    defer { try? FileManager.default.removeItem(at: workspace.folder) }

    let trained = try workspace.train(["--model", "linear", "--augment", "crops", "--json"])
    #expect(trained.status == 0, "\(trained.stderr)")
    let summary = try WorkflowCommandTests.object(trained.stdout)
    #expect(summary["extra_views"] as? Int == 8, "two squares of each of 4 training clips")
    #expect(trained.stderr.contains("extra views: start-crop, end-crop"))
    let config = try WorkflowCommandTests.object(
      String(
        decoding: try Data(contentsOf: workspace.model.appendingPathComponent("config.json")),
        as: UTF8.self))
    let provenance = try #require(config["provenance"] as? [String: Any])
    #expect(provenance["testViews"] as? [String] == ["original", "start-crop", "end-crop"])

    let evaluated = try workspace.run(
      "evaluate", [workspace.model.path, workspace.dataset.path, "--json"])
    #expect(evaluated.status == 0, "\(evaluated.stderr)")
    #expect(
      try WorkflowCommandTests.object(evaluated.stdout)["tta"] as? String == "start-crop+end-crop")

    let predicted = try workspace.run(
      "predict", [workspace.model.path, workspace.video("test/wave/clip_000.avi"), "--json"])
    #expect(predicted.status == 0, "\(predicted.stderr)")

    let refused = try workspace.run(
      "evaluate", [workspace.model.path, workspace.dataset.path, "--tta", "crops"])
    #expect(refused.status != 0)
    #expect(refused.stderr.contains("--tta takes flip"))
  }
}
