import Demo
import Foundation
import Pipeline
import Testing

/// `vidi train`, `evaluate` and `predict` end to end on tiny rendered datasets with the real
/// backbone on four frames.
@Suite struct WorkflowCommandTests {
  /// Two actions, three training and two test clips each, a cache folder and a model path.
  struct Workspace {
    let folder: URL
    let dataset: URL
    let cache: URL
    let model: URL

    init() throws {
      folder = try IndexCommandTests.temporaryFolder()
      dataset = folder.appendingPathComponent("data")
      try DemoDataset(
        actions: [.wave, .squat], trainClipsPerClass: 3, testClipsPerClass: 2, frameCount: 8,
        width: 64, height: 48, framesPerSecond: 10, seed: 3
      ).writeVideos(to: dataset)
      cache = folder.appendingPathComponent("features")
      model = folder.appendingPathComponent("model.vidi")
    }

    func run(_ command: String, _ arguments: [String]) throws -> VidiProcess.Result {
      try VidiProcess.run([command] + arguments + ["--cache", cache.path, "--threads", "2"])
    }

    func train(_ extra: [String] = []) throws -> VidiProcess.Result {
      try run(
        "train",
        [
          dataset.path, "--out", model.path, "--frames", "4", "--epochs", "3", "--val-fraction",
          "0.3",
        ]
          + extra)
    }

    func video(_ path: String) -> String { dataset.appendingPathComponent(path).path }
  }

  static func object(_ text: String) throws -> [String: Any] {
    try #require(
      try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "\(text)")
  }

  /// The single line a failing command writes.
  static func failureLine(_ result: VidiProcess.Result) -> String? {
    let lines = result.stderr.split(separator: "\n")
    guard result.status != 0, lines.count == 1, lines[0].hasPrefix("vidi: ") else { return nil }
    return String(lines[0])
  }

  @Test func trainEvaluatePredict() throws {
    let workspace = try Workspace()
    defer { try? FileManager.default.removeItem(at: workspace.folder) }

    let trained = try workspace.train(["--augment", "flip", "--json"])
    #expect(trained.status == 0, "\(trained.stderr)")
    let summary = try Self.object(trained.stdout)
    #expect(summary["classes"] as? [String] == ["squat", "wave"])
    #expect(summary["training_clips"] as? Int == 8, "4 clips and their flipped views")
    #expect(summary["extra_views"] as? Int == 4)
    #expect(summary["validation_clips"] as? Int == 2)
    #expect(summary["has_timeline"] as? Bool == true)
    let candidates = try #require(summary["candidates"] as? [[String: Any]])
    #expect(candidates.map { $0["model"] as? String } == ModelChoice.autoCandidates.map(\.rawValue))
    #expect(
      candidates.filter { $0["chosen"] as? Bool == true }.map { $0["model"] as? String }
        == [summary["type"] as? String])
    // Quiet by default: status lines, no per-epoch lines; the held-out share is the real one.
    #expect(!trained.stderr.contains(": loss "))
    #expect(trained.stderr.contains("validating on 2 (33.3%)"))
    #expect(summary["validation_share"] as? Double == 2.0 / 6)
    #expect(
      FileManager.default.fileExists(
        atPath: workspace.model.appendingPathComponent("config.json").path))

    let report = workspace.folder.appendingPathComponent("report.html")
    let evaluated = try workspace.run(
      "evaluate",
      [
        workspace.model.path, workspace.dataset.path, "--json", "--report", report.path, "--tta",
        "flip",
      ])
    #expect(evaluated.status == 0, "\(evaluated.stderr)")
    let metrics = try Self.object(evaluated.stdout)
    #expect(metrics["classes"] as? [String] == ["squat", "wave"])
    let accuracy = try #require(metrics["accuracy"] as? Double)
    let predictions = try #require(metrics["predictions"] as? [[String: Any]])
    let correct = predictions.filter { $0["label"] as? String == $0["predicted"] as? String }
    #expect(!predictions.isEmpty)
    #expect(abs(accuracy - Double(correct.count) / Double(predictions.count)) < 1e-9)
    #expect((metrics["top_k"] as? [String: Double])?.keys.sorted() == ["1"])
    #expect(metrics["mean_class_accuracy"] is Double)
    let perClass = try #require(metrics["per_class"] as? [[String: Any]])
    #expect(perClass.map { $0["support"] as? Int } == [2, 2])
    #expect(
      Set(perClass[0].keys).isSuperset(of: ["label", "precision", "recall", "f1", "support"]))
    let confusion = try #require(metrics["confusion_matrix"] as? [[Int]])
    #expect(confusion.map { $0.reduce(0, +) } == [2, 2])
    let misclassified = try #require(metrics["misclassified"] as? [[String: Any]])
    #expect(misclassified.count == 4 - confusion[0][0] - confusion[1][1])
    #expect(metrics["tta"] as? String == "flip")
    let clipPredictions = try #require(metrics["predictions"] as? [[String: Any]])
    #expect(clipPredictions.count == 4, "one per clip, right or wrong")
    #expect(
      clipPredictions.allSatisfy {
        Set($0.keys) == ["video", "label", "predicted", "probability"]
      })
    #expect(
      clipPredictions.count { $0["label"] as? String != $0["predicted"] as? String }
        == misclassified.count)
    let html = try String(contentsOf: report, encoding: .utf8)
    #expect(html.contains("<svg"))
    #expect(html.contains(summary["type"] as! String))

    let text = try workspace.run("evaluate", [workspace.model.path, workspace.dataset.path])
    #expect(text.status == 0)
    #expect(text.stdout.contains("mean class accuracy"))
    #expect(text.stdout.contains("confusion matrix"))
    #expect(text.stdout.contains(#/\n +1 +2\n1 squat /#), "numbered columns head the matrix")

    let clip = workspace.video("test/wave/clip_000.avi")
    let predicted = try workspace.run(
      "predict", [workspace.model.path, clip, "--json", "--timeline", "--top-k", "1"])
    #expect(predicted.status == 0, "\(predicted.stderr)")
    let prediction = try Self.object(predicted.stdout)
    #expect(prediction["video"] as? String == clip)
    let ranked = try #require(prediction["predictions"] as? [[String: Any]])
    #expect(ranked.count == 1)
    #expect(["squat", "wave"].contains(ranked[0]["label"] as? String))
    #expect((ranked[0]["probability"] as? Double).map { $0 >= 0.5 && $0 <= 1 } == true)
    let timeline = try #require(prediction["timeline"] as? [[String: Any]])
    #expect(timeline.count == 4)
    // The demo clips run at 10 frames per second.
    #expect(
      timeline.allSatisfy {
        guard let frame = $0["frame"] as? Int, let time = $0["time"] as? Double else {
          return false
        }
        return abs(time - Double(frame) / 10) < 1e-9
      })

    let both = try workspace.run(
      "predict", [workspace.model.path, clip, workspace.video("test/squat/clip_001.avi"), "--json"])
    #expect(both.status == 0)
    let array = try #require(
      try JSONSerialization.jsonObject(with: Data(both.stdout.utf8)) as? [Any])
    #expect(array.count == 2)

    let plain = try workspace.run("predict", [workspace.model.path, clip])
    #expect(plain.status == 0)
    #expect(plain.stdout.contains(#/\n  (squat|wave): \d+\.\d\d%\n/#))
  }

  @Test func badInputGivesOneLineAndANonZeroExit() throws {
    let workspace = try Workspace()
    defer { try? FileManager.default.removeItem(at: workspace.folder) }

    let unwritable = workspace.folder.appendingPathComponent("missing/model.vidi")
    let refused = try workspace.run(
      "train", [workspace.dataset.path, "--out", unwritable.path, "--frames", "4"])
    let refusal = try #require(Self.failureLine(refused), "\(refused.stderr)")
    #expect(refusal.contains(unwritable.path))
    #expect(!FileManager.default.fileExists(atPath: unwritable.path))

    #expect(try workspace.train(["--model", "frame-average"]).status == 0)
    let conflict = try workspace.run(
      "predict", [workspace.model.path, workspace.video("test/wave/clip_000.avi"), "--frames", "8"])
    #expect(Self.failureLine(conflict)?.contains("--frames 4") == true, "\(conflict.stderr)")

    let other = workspace.folder.appendingPathComponent("other")
    try DemoDataset(
      actions: [.wave, .walk], trainClipsPerClass: 1, testClipsPerClass: 1, frameCount: 4,
      width: 64, height: 48, framesPerSecond: 10, seed: 4
    ).writeVideos(to: other)
    let mismatch = try workspace.run("evaluate", [workspace.model.path, other.path])
    #expect(
      Self.failureLine(mismatch)?.contains("not trained on: walk") == true, "\(mismatch.stderr)")

    let missing = workspace.folder.appendingPathComponent("nothing.avi").path
    let partly = try workspace.run(
      "predict", [workspace.model.path, missing, workspace.video("test/wave/clip_000.avi")])
    #expect(partly.status != 0)
    #expect(partly.stderr.hasPrefix("vidi: ") && partly.stderr.contains("nothing.avi"))
    #expect(partly.stdout.contains("clip_000.avi"))

    let swapped = try workspace.run("evaluate", [workspace.dataset.path, workspace.model.path])
    #expect(
      Self.failureLine(swapped)
        == "vidi: \(workspace.dataset.path) looks like a dataset, not a model "
        + "(usage: vidi evaluate MODEL DATASET)", "\(swapped.stderr)")
    let videoFirst = try workspace.run(
      "predict", [workspace.video("test/wave/clip_000.avi"), workspace.model.path])
    #expect(
      Self.failureLine(videoFirst)?.contains("clip_000.avi looks like a video, not a model") == true
    )

    let emptySplit = try workspace.run(
      "evaluate", [workspace.model.path, workspace.dataset.path, "--split", "unassigned"])
    #expect(Self.failureLine(emptySplit)?.contains("no clips in the unassigned split") == true)
  }

  /// A folder, a glob and a list in one call; the unreadable video keeps its row with the error
  /// in the CSV, the JSON Lines file and --json, and the exit status says something failed.
  @Test func batchPredictionWritesEveryVideoWithItsError() throws {
    let workspace = try Workspace()
    defer { try? FileManager.default.removeItem(at: workspace.folder) }
    #expect(try workspace.train(["--model", "frame-average"]).status == 0)
    let batch = workspace.folder.appendingPathComponent("batch")
    try FileManager.default.createDirectory(
      at: batch.appendingPathComponent("sub"), withIntermediateDirectories: true)
    try FileManager.default.copyItem(
      atPath: workspace.video("test/wave/clip_000.avi"),
      toPath: batch.appendingPathComponent("a.avi").path)
    try FileManager.default.copyItem(
      atPath: workspace.video("test/squat/clip_000.avi"),
      toPath: batch.appendingPathComponent("sub/b.avi").path)
    try Data("not a video".utf8).write(to: batch.appendingPathComponent("broken.avi"))
    try Data("notes".utf8).write(to: batch.appendingPathComponent("notes.txt"))
    let list = workspace.folder.appendingPathComponent("list.txt")
    try Data("data/test/wave/clip_001.avi\n".utf8).write(to: list)

    let csv = workspace.folder.appendingPathComponent("predictions.csv")
    let written = try workspace.run(
      "predict",
      [
        workspace.model.path, batch.path, workspace.dataset.path + "/test/squat/*_001.avi",
        // The labels are checked, so rejection is off: calibrated on the workspace's few
        // training clips, `--reject auto` turns some of these known clips "unknown".
        list.path, "--output", csv.path, "--top-k", "2", "--reject", "none",
      ])
    #expect(written.status != 0, "one video failed")
    #expect(written.stderr.contains("broken.avi"))
    #expect(written.stdout.contains("predictions.csv: 5 videos, 1 failed"))
    let rows = try String(contentsOf: csv, encoding: .utf8).split(separator: "\n").map {
      $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    }
    #expect(rows.first == ["video", "label", "probability", "top_k", "error"])
    let videos = rows.dropFirst().map { URL(fileURLWithPath: $0[0]).lastPathComponent }
    #expect(videos == ["a.avi", "broken.avi", "b.avi", "clip_001.avi", "clip_001.avi"])
    let broken = try #require(rows.first { $0[0].hasSuffix("broken.avi") })
    #expect(broken[1].isEmpty && !broken[4].isEmpty)
    for row in rows.dropFirst() where !row[0].hasSuffix("broken.avi") {
      #expect(["squat", "wave"].contains(row[1]) && row[4].isEmpty, "\(row)")
      #expect(row[3].split(separator: ";").count == 2)
    }

    let jsonl = workspace.folder.appendingPathComponent("predictions.jsonl")
    let lines = try workspace.run(
      "predict", [workspace.model.path, batch.path, "--output", jsonl.path, "--json"])
    let objects = try String(contentsOf: jsonl, encoding: .utf8).split(separator: "\n").map {
      try Self.object(String($0))
    }
    #expect(objects.count == 3)
    #expect(objects.filter { $0["error"] is String }.count == 1)
    let array = try #require(
      try JSONSerialization.jsonObject(with: Data(lines.stdout.utf8)) as? [[String: Any]])
    #expect(array.count == 3, "--json keeps the failed video")
    #expect(array.contains { ($0["error"] as? String)?.isEmpty == false })

    let one = try workspace.run(
      "predict", [workspace.model.path, batch.appendingPathComponent("broken.avi").path, "--json"])
    #expect(one.status != 0)
    #expect((try Self.object(one.stdout)["error"] as? String)?.isEmpty == false)
  }
}
