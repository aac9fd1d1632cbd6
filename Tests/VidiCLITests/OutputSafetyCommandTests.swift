import Foundation
import Pipeline
import SequenceModels
import Testing

/// `vidi train --out PATH` deleted whatever was at PATH, the dataset included, with exit 0.
@Suite struct OutputSafetyCommandTests {
  typealias Workspace = WorkflowCommandTests.Workspace

  static func videoCount(in folder: URL) -> Int {
    let paths = FileManager.default.enumerator(atPath: folder.path)?.allObjects as? [String] ?? []
    return paths.filter { $0.hasSuffix(".mp4") || $0.hasSuffix(".avi") }.count
  }

  @Test func trainRefusesTargetsThatAreNotModels() throws {
    let workspace = try Workspace()
    defer { try? FileManager.default.removeItem(at: workspace.folder) }
    let videos = Self.videoCount(in: workspace.dataset)
    #expect(videos > 0)
    let documents = workspace.folder.appendingPathComponent("documents")
    try FileManager.default.createDirectory(at: documents, withIntermediateDirectories: true)
    try Data("keep".utf8).write(to: documents.appendingPathComponent("letter.txt"))
    let file = workspace.folder.appendingPathComponent("notes.txt")
    try Data("keep".utf8).write(to: file)
    let cases: [(String, String)] = [
      (workspace.dataset.path, "an input of this command"),
      (workspace.folder.path, "an input of this command"),
      (documents.path, "exists and is not a Vidi model folder"),
      (file.path, "exists and is not a Vidi model folder"),
      ("/", "an input of this command"),
    ]
    for (out, expected) in cases {
      let result = try workspace.run(
        "train", [workspace.dataset.path, "--out", out, "--frames", "4", "--force"])
      let line = WorkflowCommandTests.failureLine(result)
      #expect(line?.hasPrefix("vidi: \(out): ") == true, "\(out): \(result.stderr)")
      #expect(line?.contains(expected) == true, "\(out): \(result.stderr)")
    }
    #expect(Self.videoCount(in: workspace.dataset) == videos)
    #expect(
      try String(contentsOf: documents.appendingPathComponent("letter.txt"), encoding: .utf8)
        == "keep")
    #expect(try String(contentsOf: file, encoding: .utf8) == "keep")

    let index = try VidiProcess.run(["index", workspace.dataset.path, "--out", file.path])
    #expect(
      WorkflowCommandTests.failureLine(index)?.contains("exists and is not a Vidi manifest")
        == true, "\(index.stderr)")
    #expect(try String(contentsOf: file, encoding: .utf8) == "keep")
  }

  /// `--frames -3` said "Missing value for '--frames <frames>'".
  @Test func negativeNumbersReachValidation() throws {
    let workspace = try Workspace()
    defer { try? FileManager.default.removeItem(at: workspace.folder) }
    for command in ["train", "extract"] {
      var arguments = [workspace.dataset.path, "--frames", "-3"]
      if command == "train" { arguments += ["--out", workspace.model.path] }
      let result = try VidiProcess.run([command] + arguments)
      #expect(result.status != 0)
      #expect(
        result.stderr.contains("--frames must be between 1 and 512 (got -3)"), "\(result.stderr)")
      #expect(!result.stderr.contains("Missing value"))
    }
  }

  @Test func forceReplacesAModelAndTrainSaysWhenItRecomputes() throws {
    let workspace = try Workspace()
    defer { try? FileManager.default.removeItem(at: workspace.folder) }
    let first = try workspace.train(["--model", "mean-pool"])
    #expect(first.status == 0, "\(first.stderr)")
    let again = try workspace.train(["--model", "mean-pool"])
    #expect(
      WorkflowCommandTests.failureLine(again)
        == "vidi: \(workspace.model.path): a Vidi model folder already exists; pass --force to "
        + "replace it")

    let entries =
      (FileManager.default.enumerator(atPath: workspace.cache.path)?.allObjects
      as? [String] ?? []).filter { $0.hasSuffix(".features") }.sorted()
    let entry = workspace.cache.appendingPathComponent(try #require(entries.first))
    var bytes = [UInt8](try Data(contentsOf: entry))
    bytes[bytes.count / 2] ^= 0xff
    try Data(bytes).write(to: entry)

    let forced = try workspace.train(["--model", "gru", "--force"])
    #expect(forced.status == 0, "\(forced.stderr)")
    #expect(
      forced.stderr.contains("Recomputed 1 damaged feature cache entry"), "\(forced.stderr)")
    let model = try TrainedModel.load(from: workspace.model)
    #expect(model.kind == .gru)
    #expect(
      try FileManager.default.contentsOfDirectory(atPath: workspace.folder.path)
        .filter { $0.hasPrefix(".") }.isEmpty, "no temporaries left beside the model")
  }
}
