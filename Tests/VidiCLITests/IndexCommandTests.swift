import Demo
import Foundation
import Pipeline
import Testing

@Suite struct IndexCommandTests {
  static func temporaryFolder() throws -> URL {
    let url = FileManager.default.temporaryDirectory
      .appendingPathComponent("vidi-cli-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }

  /// Six tiny stick-figure clips: two actions, two training clips and one test clip each.
  static func tinyDataset(in folder: URL) throws -> URL {
    let root = folder.appendingPathComponent("data")
    try DemoDataset(
      actions: [.wave, .squat], trainClipsPerClass: 2, testClipsPerClass: 1, frameCount: 8,
      width: 64, height: 48, framesPerSecond: 10, seed: 1
    ).writeVideos(to: root)
    return root
  }

  @Test func indexWithProbeAndManifestReportsJunkAndUnreadableFiles() throws {
    let folder = try Self.temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let dataset = try Self.tinyDataset(in: folder)
    try Data("junk".utf8).write(to: dataset.appendingPathComponent("train/wave/.DS_Store"))
    try Data("text".utf8).write(to: dataset.appendingPathComponent("test/wave/broken.avi"))
    let manifest = folder.appendingPathComponent("manifest.csv")
    let result = try VidiProcess.run(["index", dataset.path, "--probe", "--out", manifest.path])
    #expect(result.status == 0)
    #expect(result.stdout.contains("squat"))
    #expect(result.stdout.contains("skipped 1 file: 1 system file"))
    #expect(result.stdout.contains("test/wave/broken.avi: not a video"))
    let rows = try String(contentsOf: manifest, encoding: .utf8).split(separator: "\n")
    #expect(rows.first == "path,label,split,group,frames,fps,width,height,duration,status")
    #expect(rows.count == 1 + 6 + 1)
  }

  @Test func jsonSummaryAndGroupPattern() throws {
    let folder = try Self.temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let dataset = try Self.tinyDataset(in: folder)
    let result = try VidiProcess.run([
      "index", dataset.path, "--json", "--group-pattern", #"clip_(\d+)\."#,
    ])
    #expect(result.status == 0)
    let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
    #expect(json?["clips"] as? Int == 6)
    #expect(json?["layout"] as? String == "split-folders")
    let manifest = folder.appendingPathComponent("m.csv")
    #expect(
      try VidiProcess.run([
        "index", dataset.path, "--group-pattern", #"clip_(\d+)\."#, "--out", manifest.path,
      ]).status == 0)
    let text = try String(contentsOf: manifest, encoding: .utf8)
    #expect(text.contains("train/wave/clip_000.avi,wave,train,000"))
  }

  @Test func missingRootFailsWithOneLine() throws {
    let result = try VidiProcess.run(["index", "/no/such/dataset"])
    #expect(result.status != 0)
    #expect(result.stderr == "vidi: /no/such/dataset: no such file or folder\n")
  }

  @Test func folderWithoutClassesFails() throws {
    let folder = try Self.temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    try Data("hello".utf8).write(to: folder.appendingPathComponent("notes.txt"))
    let result = try VidiProcess.run(["index", folder.path])
    #expect(result.status != 0)
    #expect(result.stderr.hasPrefix("vidi: \(folder.path): no class folders"))
    #expect(result.stderr.filter { $0 == "\n" }.count == 1)
  }

  @Test func badGroupPatternFails() throws {
    let result = try VidiProcess.run(["index", "/tmp", "--group-pattern", "no-group"])
    #expect(result.status != 0)
    #expect(result.stderr.contains("bad group pattern"))
  }

  /// Class folders beside UCF101-style split lists: `--official-split` picks the lists' split.
  @Test func officialSplitListsAndFold() throws {
    let folder = try Self.temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let source = try Self.tinyDataset(in: folder)
    let root = folder.appendingPathComponent("UCF")
    let lists = root.appendingPathComponent("ucfTrainTestlist")
    try FileManager.default.createDirectory(at: lists, withIntermediateDirectories: true)
    var paths: [String] = []
    for label in ["squat", "wave"] {
      try FileManager.default.createDirectory(
        at: root.appendingPathComponent(label), withIntermediateDirectories: true)
      for (index, file) in [
        "train/\(label)/clip_000.avi", "train/\(label)/clip_001.avi",
        "test/\(label)/clip_000.avi",
      ].enumerated() {
        let path = "\(label)/v_\(label)_g0\(index + 1)_c01.avi"
        try FileManager.default.copyItem(
          at: source.appendingPathComponent(file), to: root.appendingPathComponent(path))
        paths.append(path)
      }
    }
    func write(_ name: String, _ lines: [String]) throws {
      try Data(lines.joined(separator: "\n").utf8).write(to: lists.appendingPathComponent(name))
    }
    try write("classInd.txt", ["1 squat", "2 wave"])
    try write("trainlist01.txt", paths.filter { !$0.contains("_g03_") }.map { $0 + " 1" })
    try write("testlist01.txt", paths.filter { $0.contains("_g03_") })
    try write("trainlist02.txt", paths.filter { !$0.contains("_g01_") }.map { $0 + " 1" })
    try write("testlist02.txt", paths.filter { $0.contains("_g01_") })

    let first = try VidiProcess.run(["index", root.path, "--json"])
    #expect(first.status == 0, "\(first.stderr)")
    let summary = try WorkflowCommandTests.object(first.stdout)
    #expect(summary["layout"] as? String == "split-lists")
    #expect(summary["labels"] as? [String] == ["squat", "wave"])
    let splits = try #require(summary["splits"] as? [[String: Any]])
    #expect(splits.map { $0["split"] as? String } == ["train", "test"])
    #expect(splits.map { $0["clips"] as? Int } == [4, 2])

    let second = try VidiProcess.run(["index", root.path, "--official-split", "2"])
    #expect(second.stdout.contains("split 2 of the lists in ucfTrainTestlist"))
    let manifest = folder.appendingPathComponent("split2.csv")
    _ = try VidiProcess.run(["index", root.path, "--official-split", "2", "--out", manifest.path])
    let rows = try String(contentsOf: manifest, encoding: .utf8).split(separator: "\n")
    #expect(rows.contains("UCF/squat/v_squat_g01_c01.avi,squat,test,g01"))

    let missing = try VidiProcess.run(["index", root.path, "--official-split", "3"])
    #expect(missing.status != 0)
    #expect(missing.stderr.contains("bad split lists: no lists for split 3"))
  }
}
