import Foundation
import Pipeline
import Testing

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

/// `vidi serve` as a process: it answers like `vidi predict --json` and stops on Ctrl-C.
@Suite struct ServeCommandTests {
  @Test func servesWhatPredictPrintsAndStopsOnInterrupt() async throws {
    let workspace = try WorkflowCommandTests.Workspace()
    defer { try? FileManager.default.removeItem(at: workspace.folder) }
    let trained = try workspace.train(["--model", "frame-average"])
    #expect(trained.status == 0, "\(trained.stderr)")
    let video = workspace.video("test/wave/clip_000.avi")
    let predicted = try workspace.run(
      "predict", [workspace.model.path, video, "--json", "--top-k", "2"])
    #expect(predicted.status == 0, "\(predicted.stderr)")
    let expected = try WorkflowCommandTests.object(predicted.stdout)

    let output = workspace.folder.appendingPathComponent("serve.out")
    _ = FileManager.default.createFile(atPath: output.path, contents: nil)
    let server = Process()
    server.executableURL = VidiProcess.executable
    server.arguments = [
      "serve", workspace.model.path, "--port", "0", "--workers", "1", "--threads", "2",
    ]
    server.standardInput = FileHandle.nullDevice
    server.standardOutput = try FileHandle(forWritingTo: output)
    server.standardError = FileHandle.nullDevice
    try server.run()
    defer { if server.isRunning { server.terminate() } }

    var base: String?
    for _ in 0..<300 where base == nil {
      let text = try String(contentsOf: output, encoding: .utf8)
      base = text.range(of: #"http://127\.0\.0\.1:[0-9]+/"#, options: .regularExpression).map {
        String(text[$0])
      }
      if base == nil { try await Task.sleep(for: .milliseconds(50)) }
    }
    let url = try #require(base, "vidi serve printed no address")

    var request = URLRequest(url: URL(string: url + "v1/predict?top_k=2&name=clip_000.avi")!)
    request.httpMethod = "POST"
    request.httpBody = try Data(contentsOf: URL(fileURLWithPath: video))
    let (data, response) = try await URLSession.shared.data(for: request)
    #expect((response as? HTTPURLResponse)?.statusCode == 200)
    let served = try WorkflowCommandTests.object(String(decoding: data, as: UTF8.self))
    #expect(served["model"] as? String == "model")
    let servedPredictions = try #require(served["predictions"] as? [[String: Any]])
    let expectedPredictions = try #require(expected["predictions"] as? [[String: Any]])
    #expect(
      servedPredictions.map { $0["label"] as? String }
        == expectedPredictions.map {
          $0["label"] as? String
        })
    #expect(
      servedPredictions.map { $0["probability"] as? Double }
        == expectedPredictions.map {
          $0["probability"] as? Double
        })

    server.interrupt()
    server.waitUntilExit()
    #expect(server.terminationStatus == 0)
  }

  /// Values that used to overflow (`--max-upload-mb 8796093022208` is 2^43: shifted to bytes it
  /// wraps to a negative limit and trapped) or would allocate without end.
  @Test(arguments: [
    ["--max-upload-mb", "8796093022208"], ["--max-upload-mb", "0"], ["--workers", "1000000000"],
    ["--workers", "0"], ["--queue", "100001"], ["--queue", "9223372036854775807"],
    ["--threads", "100000"], ["--idle-timeout", "0"], ["--upload-timeout", "99999999999"],
    ["--min-upload-kbps", "0"],
  ])
  func absurdNumbersAreRefusedBeforeTheModelLoads(option: [String]) throws {
    let result = try VidiProcess.run(["serve", "/nonexistent/model.vidi", "--port", "0"] + option)
    #expect(result.status == 64, "\(option): \(result.stderr)")
    #expect(result.stderr.contains(option[0]), "\(option): \(result.stderr)")
    #expect(result.stderr.contains("must be"), "\(option): \(result.stderr)")
  }

  @Test func aMissingModelIsOneLineAndANonZeroExit() throws {
    let result = try VidiProcess.run(["serve", "/nonexistent/model.vidi", "--port", "0"])
    #expect(result.status != 0)
    #expect(
      WorkflowCommandTests.failureLine(result)?.contains("/nonexistent/model.vidi") == true,
      "\(result.stderr)")
  }
}
