import Foundation
import Testing

@Suite struct IndexCommandTests {
  static func temporaryFolder() throws -> URL {
    let url = FileManager.default.temporaryDirectory
      .appendingPathComponent("vidi-cli-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }

  @Test func demoThenIndexWithProbeAndManifest() throws {
    let folder = try Self.temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let dataset = folder.appendingPathComponent("demo")
    let demo = try VidiProcess.run(["demo", "--dir", dataset.path, "--json"])
    #expect(demo.status == 0)
    #expect(demo.stdout.contains("\"clips\" : 24"))

    try Data("junk".utf8).write(to: dataset.appendingPathComponent("train/Pulse/.DS_Store"))
    try Data("text".utf8).write(to: dataset.appendingPathComponent("test/Pulse/broken.avi"))
    let manifest = folder.appendingPathComponent("manifest.csv")
    let result = try VidiProcess.run(["index", dataset.path, "--probe", "--out", manifest.path])
    #expect(result.status == 0)
    #expect(result.stdout.contains("MoveRight"))
    #expect(result.stdout.contains("skipped 1 file: 1 system file"))
    #expect(result.stdout.contains("test/Pulse/broken.avi: not a video"))
    let rows = try String(contentsOf: manifest, encoding: .utf8).split(separator: "\n")
    #expect(rows.first == "path,label,split,group,frames,fps,width,height,duration,status")
    #expect(rows.count == 1 + 24 + 1)
  }

  @Test func jsonSummaryAndGroupPattern() throws {
    let folder = try Self.temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    #expect(try VidiProcess.run(["demo", "--dir", folder.path]).status == 0)
    let result = try VidiProcess.run([
      "index", folder.path, "--json", "--group-pattern", #"_(c\d+)\."#,
    ])
    #expect(result.status == 0)
    let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
    #expect(json?["clips"] as? Int == 24)
    #expect(json?["layout"] as? String == "split-folders")
    let manifest = folder.appendingPathComponent("m.csv")
    #expect(
      try VidiProcess.run([
        "index", folder.path, "--group-pattern", #"_(c\d+)\."#, "--out", manifest.path,
      ]).status == 0)
    let text = try String(contentsOf: manifest, encoding: .utf8)
    #expect(text.contains("train/MoveDown/v_MoveDown_g01_c01.avi,MoveDown,train,c01"))
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
}
