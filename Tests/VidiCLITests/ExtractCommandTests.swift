import Foundation
import Pipeline
import Testing

@Suite struct ExtractCommandTests {
  /// Six tiny clips, a cache folder beside them, and the common options (four frames keep the
  /// real backbone fast).
  struct Workspace {
    let folder: URL
    let dataset: URL
    let cache: URL

    init() throws {
      folder = try IndexCommandTests.temporaryFolder()
      dataset = try IndexCommandTests.tinyDataset(in: folder)
      cache = folder.appendingPathComponent("features")
    }

    func extract(_ extra: [String] = [], cache: URL? = nil) throws -> VidiProcess.Result {
      try VidiProcess.run(
        ["extract", dataset.path, "--frames", "4", "--cache", (cache ?? self.cache).path]
          + extra)
    }

    /// Every file in `cache` with its bytes, by relative path.
    func files(in cache: URL) throws -> [String: Data] {
      let paths =
        FileManager.default.enumerator(atPath: cache.path)?.allObjects as? [String] ?? []
      var files: [String: Data] = [:]
      for path in paths where path.hasSuffix(".features") || path.hasSuffix(".failed") {
        files[path] = try Data(contentsOf: cache.appendingPathComponent(path))
      }
      return files
    }
  }

  static func json(_ result: VidiProcess.Result) throws -> [String: Any] {
    let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
    return try #require(object as? [String: Any], "stdout: \(result.stdout)")
  }

  static func counts(_ json: [String: Any]) -> [Int?] {
    ["total", "extracted", "cached", "failed"].map { json[$0] as? Int }
  }

  @Test func extractsThenReusesTheCacheAndStatusCountsIt() throws {
    let work = try Workspace()
    defer { try? FileManager.default.removeItem(at: work.folder) }

    let before = try Self.json(work.extract(["--status", "--json"]))
    #expect([before["cached"], before["missing"], before["failed"]] as? [Int] == [0, 6, 0])

    let first = try work.extract(["--json"])
    #expect(first.status == 0, "\(first.stderr)")
    let report = try Self.json(first)
    #expect(Self.counts(report) == [6, 6, 0, 0])
    #expect(report["frames_encoded"] as? Int == 24)
    let settings = report["settings"] as? [String: Any]
    #expect(settings?["backbone"] as? String == "efficientnet-lite0")
    #expect(settings?["frames"] as? Int == 4 && settings?["crop_size"] as? Int == 224)
    #expect(first.stderr.contains("extract: 6/6 clips (100%)"), "plain progress off a terminal")
    #expect(try work.files(in: work.cache).count == 6)

    let status = try Self.json(work.extract(["--status", "--json"]))
    #expect([status["cached"], status["missing"], status["failed"]] as? [Int] == [6, 0, 0])
    let otherSettings = try Self.json(work.extract(["--status", "--json", "--sampling", "first"]))
    #expect(otherSettings["missing"] as? Int == 6, "features are keyed by the settings")

    let second = try work.extract()
    #expect(second.status == 0)
    #expect(second.stdout.contains("6 clips: 0 extracted, 6 cached, 0 failed"))
  }

  @Test func badClipsAreListedAndTheRunSucceeds() throws {
    let work = try Workspace()
    defer { try? FileManager.default.removeItem(at: work.folder) }
    try Data(repeating: 0x5A, count: 3000).write(
      to: work.dataset.appendingPathComponent("train/wave/garbage.avi"))
    try Data().write(to: work.dataset.appendingPathComponent("test/squat/empty.avi"))

    let result = try work.extract(["--json", "--augment", "flip"])
    #expect(result.status == 0)
    let report = try Self.json(result)
    #expect(Self.counts(report) == [8, 6, 0, 2])
    #expect(report["frames_encoded"] as? Int == 6 * 4 * 2, "both views of every good clip")
    let failures = report["failures"] as? [[String: String]] ?? []
    #expect(
      Set(failures.compactMap { $0["path"] }) == ["train/wave/garbage.avi", "test/squat/empty.avi"])
    #expect(result.stderr.contains("vidi: train/wave/garbage.avi: "))
    #expect(result.stderr.contains("vidi: test/squat/empty.avi: empty file"))
    #expect(result.stderr.contains("warning: 2 of 8 clips could not be extracted"))

    let status = try Self.json(work.extract(["--status", "--json", "--augment", "flip"]))
    #expect([status["cached"], status["missing"], status["failed"]] as? [Int] == [6, 0, 2])
  }

  @Test func concurrentShardProcessesFillExactlyTheSingleProcessCache() throws {
    let work = try Workspace()
    defer { try? FileManager.default.removeItem(at: work.folder) }
    let single = work.folder.appendingPathComponent("single")
    #expect(try work.extract(cache: single).status == 0)

    // Three shards, so each gets some of the six clips (two would leave one empty here).
    let results = ProcessResults()
    DispatchQueue.concurrentPerform(iterations: 3) { shard in
      results.set(shard, Result { try work.extract(["--shard", "\(shard)/3", "--threads", "1"]) })
    }
    var covered = 0
    for shard in 0..<3 {
      let result = try results.get(shard).get()
      #expect(result.status == 0, "\(result.stderr)")
      let report = try Self.json(work.extract(["--status", "--json", "--shard", "\(shard)/3"]))
      #expect(report["missing"] as? Int == 0 && report["failed"] as? Int == 0)
      let cached = report["cached"] as? Int ?? 0
      #expect(cached > 0, "shard \(shard)/3 got no clips")
      covered += cached
    }
    #expect(covered == 6)
    #expect(try work.files(in: work.cache) == work.files(in: single))
  }

  @Test func wholeCommandFailuresExitNonZeroWithOneLine() throws {
    let work = try Workspace()
    defer { try? FileManager.default.removeItem(at: work.folder) }

    let missing = work.folder.appendingPathComponent("nowhere")
    let noDataset = try VidiProcess.run(["extract", missing.path])
    #expect(noDataset.status != 0)
    #expect(noDataset.stderr == "vidi: \(missing.path): no such file or folder\n")

    let emptyHome = work.folder.appendingPathComponent("empty-home")
    let noWeights = try VidiProcess.run(
      ["extract", work.dataset.path, "--cache", work.cache.path],
      environment: ["VIDI_HOME": emptyHome.path])
    #expect(noWeights.status != 0)
    #expect(noWeights.stderr.contains("fetch them with `vidi models fetch efficientnet-lite0`"))
    #expect(noWeights.stderr.split(separator: "\n").count == 1)

    #expect(try work.extract(["--backbone", "resnet-9000"]).status != 0)
    #expect(try work.extract(["--shard", "2/2"]).status != 0)
    #expect(try work.files(in: work.cache).isEmpty, "nothing written by a failed command")
  }

  @Test func helpShowsAnExample() throws {
    let help = try VidiProcess.run(["extract", "--help"])
    #expect(help.status == 0)
    #expect(help.stdout.contains("vidi extract data/ucf101 --shard 3/8"))
    #expect(help.stdout.contains("--augment"))
  }
}

/// Results of processes run side by side.
private final class ProcessResults: @unchecked Sendable {
  private let lock = NSLock()
  private var results: [Int: Result<VidiProcess.Result, any Error>] = [:]

  func set(_ index: Int, _ result: Result<VidiProcess.Result, any Error>) {
    lock.withLock { results[index] = result }
  }

  func get(_ index: Int) throws -> Result<VidiProcess.Result, any Error> {
    try #require(lock.withLock { results[index] })
  }
}
