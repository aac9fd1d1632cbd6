import Foundation
import Pipeline
import Testing

/// `vidi train`'s calibration, `vidi predict --reject` and `--segments` end to end.
@Suite struct SegmentsCommandTests {
  @Test func trainCalibratesAndPredictRejectsAndSegments() throws {
    let workspace = try WorkflowCommandTests.Workspace()
    defer { try? FileManager.default.removeItem(at: workspace.folder) }
    let trained = try workspace.train()
    #expect(trained.status == 0, "\(trained.stderr)")
    #expect(trained.stderr.contains("Calibration: clip length 0.80 s"))
    let config = try WorkflowCommandTests.object(
      String(contentsOf: workspace.model.appendingPathComponent("config.json"), encoding: .utf8))
    let calibration = try #require(config["calibration"] as? [String: Any])
    #expect(calibration["clipSeconds"] as? Double == 0.8)
    let rejection = try #require(calibration["rejection"] as? [String: Any])
    // A maximum probability is at least 1/K, so a calibrated threshold lies above that.
    let classCount = try #require((config["classes"] as? [String])?.count)
    let threshold = try #require(rejection["threshold"] as? Double)
    #expect(threshold > 1 / Double(classCount) && threshold <= 1)

    let clip = workspace.video("test/wave/clip_000.avi")
    let plain = try workspace.run("predict", [workspace.model.path, clip, "--reject", "none"])
    let never = try workspace.run("predict", [workspace.model.path, clip, "--reject", "0"])
    #expect(plain.status == 0 && !plain.stdout.contains("unknown"))
    #expect(never.stdout == plain.stdout)
    let always = try workspace.run(
      "predict", [workspace.model.path, clip, "--reject", "1", "--json"])
    let rejected = try WorkflowCommandTests.object(always.stdout)
    #expect((rejected["rejection"] as? [String: Any])?["label"] as? String == "unknown")

    let second = workspace.video("test/squat/clip_000.avi")
    let segmented = try workspace.run(
      "predict", [workspace.model.path, clip, second, "--segments", "--json", "--stride", "0.1"])
    #expect(segmented.status == 0, "\(segmented.stderr)")
    let videos = try #require(
      try JSONSerialization.jsonObject(with: Data(segmented.stdout.utf8)) as? [[String: Any]])
    #expect(videos.map { $0["video"] as? String } == [clip, second])
    for video in videos {
      let duration = try #require(video["duration"] as? Double)
      #expect(abs(duration - 0.8) < 0.15)
      let segments = try #require(video["segments"] as? [[String: Any]])
      #expect(segments.first?["start"] as? Double == 0)
      #expect(segments.last?["end"] as? Double == duration)
      #expect(segments.allSatisfy { $0["label"] is String && $0["end_frame"] is Int })
      #expect((video["windows"] as? [Any])?.isEmpty == false)
    }
    let text = try workspace.run("predict", [workspace.model.path, clip, "--segments"])
    #expect(text.stdout.contains(#/\n  0\.00–0\.\d\d  \S+  \d\.\d\d/#), "\(text.stdout)")

    // --report: the segments on a time axis, also for a batch where a video fails.
    let report = workspace.folder.appendingPathComponent("segments.html")
    let reported = try workspace.run(
      "predict",
      [workspace.model.path, clip, "missing.avi", "--segments", "--report", report.path])
    #expect(reported.status != 0)
    #expect(reported.stdout.contains("Report: \(report.path)"), "\(reported.stderr)")
    let html = try String(contentsOf: report, encoding: .utf8)
    #expect(html.contains("<h2>Segments of \(clip)</h2>"))
    #expect(html.contains("<table class=\"segments\">") && html.contains("missing.avi"))
    let again = try workspace.run(
      "predict", [workspace.model.path, clip, "--segments", "--report", report.path])
    #expect(again.status != 0 && again.stderr.contains(report.path))
    let forced = try workspace.run(
      "predict", [workspace.model.path, clip, "--segments", "--report", report.path, "--force"])
    #expect(forced.status == 0, "\(forced.stderr)")
    #expect(try String(contentsOf: report, encoding: .utf8).contains("missing.avi") == false)
    let unsegmented = try workspace.run(
      "predict", [workspace.model.path, clip, "--report", report.path])
    #expect(unsegmented.stderr.contains("--report and --force apply to --segments"))

    let misplaced = try workspace.run("predict", [workspace.model.path, clip, "--window", "2"])
    #expect(misplaced.status != 0)
    #expect(misplaced.stderr.contains("--window and --stride apply to --segments"))
  }
}
