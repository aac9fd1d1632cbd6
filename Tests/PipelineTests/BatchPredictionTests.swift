import Foundation
import Pipeline
import Reporting
import Testing

/// Expanding folders, globs and lists into videos, and writing the predictions file.
@Suite struct BatchPredictionTests {
  @Test func foldersGlobsAndListsExpandToVideos() throws {
    let data = try DatasetFolder()
    try data.clip("clips/a.avi")
    try data.clip("clips/deeper/b.mp4")
    try data.file("clips/notes.txt", "not a video")
    try data.file("clips/.DS_Store", "junk")
    try data.clip("other/c.avi")
    try data.file("lists/test.txt", "../other/c.avi\n\n../clips/a.avi 3\n")
    try data.file("lists/manifest.csv", "video_name,label\n../other/c.avi,x\n")
    let root = data.root.path

    let folder = PredictionInputs([root + "/clips"])
    #expect(folder.videos.map(\.name) == [root + "/clips/a.avi", root + "/clips/deeper/b.mp4"])
    #expect(folder.skipped == 2)
    #expect(folder.isBatch && folder.problems.isEmpty)

    let glob = PredictionInputs([root + "/*/*.avi", root + "/nothing/*.avi"])
    #expect(glob.videos.map(\.name) == [root + "/clips/a.avi", root + "/other/c.avi"])
    #expect(glob.problems.map(\.reason) == ["no file matches this pattern"])

    let lists = PredictionInputs([root + "/lists/test.txt", root + "/lists/manifest.csv"])
    #expect(
      lists.videos.map(\.url.path) == [
        root + "/other/c.avi", root + "/clips/a.avi", root + "/other/c.avi",
      ])
    #expect(lists.videos.first?.name == root + "/lists/../other/c.avi")

    let single = PredictionInputs([root + "/clips/a.avi", root + "/missing.avi"])
    #expect(!single.isBatch)
    #expect(single.videos.count == 2, "a missing file fails when it is read, with its reason")

    let empty = PredictionInputs([root + "/lists"])
    #expect(empty.problems.map(\.reason) == ["no videos in this folder"])
  }

  static let good = BatchPrediction(
    Prediction(
      video: "clips/a, \"quoted\".avi",
      predictions: [
        LabelProbability(label: "walk", probability: 0.75),
        LabelProbability(label: "run", probability: 0.25),
      ]))
  static let bad = BatchPrediction(video: "clips/b.avi", error: "not a video: invalid data")

  @Test func writesCSVWithFailedVideosInPlace() throws {
    let data = try DatasetFolder()
    let path = data.url("predictions.csv").path
    let file = try PredictionFile(path: path)
    try file.append(Self.good)
    try file.append(Self.bad)
    #expect(!FileManager.default.fileExists(atPath: path), "nothing in place before finish")
    try file.finish()
    let text = try String(contentsOfFile: path, encoding: .utf8)
    #expect(
      text == """
        video,label,probability,top_k,error
        "clips/a, ""quoted"".avi",walk,0.750000,walk:0.750000;run:0.250000,
        clips/b.avi,,,,not a video: invalid data

        """)
    #expect(
      try FileManager.default.contentsOfDirectory(atPath: data.root.path) == ["predictions.csv"])
  }

  @Test func writesJSONLinesWithTheSameKeysOnEveryRow() throws {
    let data = try DatasetFolder()
    let path = data.url("predictions.jsonl").path
    let file = try PredictionFile(path: path)
    try file.append(Self.good)
    try file.append(Self.bad)
    try file.finish()
    let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
    #expect(lines.count == 2)
    let rows = try lines.map {
      try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
    }
    #expect(
      rows.allSatisfy { Set($0.keys) == ["video", "label", "probability", "top_k", "error"] })
    #expect(rows[0]["label"] as? String == "walk")
    #expect((rows[0]["top_k"] as? [[String: Any]])?.count == 2)
    #expect(rows[0]["error"] is NSNull)
    #expect(rows[1]["error"] as? String == "not a video: invalid data")
    #expect(rows[1]["label"] is NSNull)
  }

  @Test func anUnknownExtensionOrFolderIsAnError() throws {
    #expect(throws: PredictionFileError.unknownFormat(path: "out.txt")) {
      try PredictionFile(path: "out.txt")
    }
    #expect(throws: PredictionFileError.self) {
      try PredictionFile(path: "/no/such/folder/out.csv")
    }
  }

  @Test func failedVideosEncodeWithTheirError() throws {
    let json = String(decoding: try PrettyJSON.encode([Self.good, Self.bad]), as: UTF8.self)
    #expect(json.contains("\"error\" : \"not a video: invalid data\""))
    #expect(json.contains("\"predictions\""))
  }
}
