import Demo
import Foundation
import Pipeline
import Testing
import VideoIO

/// `vidi watch` as a process: standard input read like the same file, Ctrl-C ends the watch
/// with its summary and status 130, and an unreachable source is one line.
@Suite struct WatchCommandTests {
  /// Eight seconds of waving, then eight of squats, as MPEG-TS at the workspace's 10 fps.
  static func stream(in workspace: WorkflowCommandTests.Workspace) throws -> URL {
    let url = workspace.folder.appendingPathComponent("stream.ts")
    let writer = try VideoWriter(
      url: url, width: 64, height: 48, options: .init(codec: .mpeg4, frameRate: 10))
    for action in [DemoAction.wave, .squat] {
      for frame in DemoRenderer.render(
        action: action, seed: 11, frameCount: 80, width: 64, height: 48)
      {
        try writer.append(frame)
      }
    }
    try writer.finish()
    return url
  }

  static func lines(_ text: String) throws -> [[String: Any]] {
    try text.split(separator: "\n").map { try WorkflowCommandTests.object(String($0)) }
  }

  /// Runs `vidi watch` with `input` as standard input; `whileRunning` gets the process and the
  /// file its standard output goes to.
  static func watch(
    _ arguments: [String], input: FileHandle,
    whileRunning: (Process, URL) throws -> Void = { _, _ in }
  ) throws -> VidiProcess.Result {
    let folder = try IndexCommandTests.temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let out = folder.appendingPathComponent("stdout")
    let err = folder.appendingPathComponent("stderr")
    _ = FileManager.default.createFile(atPath: out.path, contents: nil)
    _ = FileManager.default.createFile(atPath: err.path, contents: nil)
    let process = Process()
    process.executableURL = VidiProcess.executable
    process.arguments = ["watch"] + arguments
    process.standardInput = input
    process.standardOutput = try FileHandle(forWritingTo: out)
    process.standardError = try FileHandle(forWritingTo: err)
    try process.run()
    defer { if process.isRunning { process.terminate() } }
    try whileRunning(process, out)
    process.waitUntilExit()
    return VidiProcess.Result(
      status: process.terminationStatus, stdout: try String(contentsOf: out, encoding: .utf8),
      stderr: try String(contentsOf: err, encoding: .utf8))
  }

  @Test func readsStandardInputLikeTheFileStopsOnInterruptAndNamesBadSources() throws {
    let workspace = try WorkflowCommandTests.Workspace()
    defer { try? FileManager.default.removeItem(at: workspace.folder) }
    let trained = try workspace.train(["--model", "frame-average"])
    #expect(trained.status == 0, "\(trained.stderr)")
    let model = workspace.model.path
    let stream = try Self.stream(in: workspace)

    // Standard input redirected from the file: the same lines as the file named.
    let piped = try Self.watch(
      [model, "-", "--json", "--threads", "2"], input: FileHandle(forReadingFrom: stream))
    #expect(piped.status == 0, "\(piped.stderr)")
    let named = try Self.watch(
      [model, stream.path, "--json", "--threads", "2"], input: FileHandle.nullDevice)
    #expect(named.status == 0, "\(named.stderr)")
    let lines = try Self.lines(piped.stdout)
    let start = try #require(lines.first)
    #expect(start["event"] as? String == "start" && start["source"] as? String == "standard input")
    #expect(start["frame_rate"] as? Double == 10 && start["width"] as? Int == 64)
    let end = try #require(lines.last)
    #expect(end["event"] as? String == "end" && end["end"] as? String == "finished")
    #expect(end["dropped"] as? Int == 0)
    #expect(abs((end["stream_seconds"] as? Double ?? 0) - 16) < 0.5)
    let changes = lines.filter { $0["event"] as? String == "change" }
    #expect(!changes.isEmpty)
    #expect(changes.first?["time"] as? Double == 0)
    #expect(changes.first?["previous"] is NSNull)
    let times = changes.compactMap { $0["time"] as? Double }
    #expect(times == times.sorted() && times.count == changes.count)
    for change in changes {
      #expect(["wave", "squat", "background"].contains(change["label"] as? String ?? ""))
    }
    #expect(end["changes"] as? Int == changes.count)
    let namedChanges = try Self.lines(named.stdout).filter { $0["event"] as? String == "change" }
    #expect(namedChanges.map { $0["label"] as? String } == changes.map { $0["label"] as? String })
    #expect(namedChanges.map { $0["time"] as? Double } == times)

    // A pipe that stays open: the watch waits for more until Ctrl-C.
    let pipe = Pipe()
    let interrupted = try Self.watch(
      [model, "-", "--json", "--threads", "2", "--timeout", "60"],
      input: pipe.fileHandleForReading
    ) { process, out in
      pipe.fileHandleForWriting.write(try Data(contentsOf: stream))
      let deadline = Date().addingTimeInterval(60)
      while Date() < deadline && process.isRunning {
        let text = try String(contentsOf: out, encoding: .utf8)
        if text.contains("\"event\":\"start\"") { break }
        Thread.sleep(forTimeInterval: 0.05)
      }
      process.interrupt()
    }
    try? pipe.fileHandleForWriting.close()
    #expect(interrupted.status == 130, "\(interrupted.stderr)")
    let last = try #require(try Self.lines(interrupted.stdout).last)
    #expect(last["event"] as? String == "end" && last["end"] as? String == "stopped")

    // Nothing listens on port 1: refused at once, one line, status 1.
    let refused = try Self.watch(
      [model, "http://127.0.0.1:1/live.ts", "--timeout", "2"], input: FileHandle.nullDevice)
    #expect(refused.status == 1)
    let line = WorkflowCommandTests.failureLine(refused)
    #expect(
      line?.hasPrefix("vidi: http://127.0.0.1:1/live.ts: cannot open: ") == true,
      "\(refused.stderr)")
    let missing = try Self.watch([model, "nowhere.ts"], input: FileHandle.nullDevice)
    #expect(WorkflowCommandTests.failureLine(missing) == "vidi: nowhere.ts: no such file")
  }
}
