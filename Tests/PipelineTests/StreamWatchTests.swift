import Foundation
import Pipeline
import SequenceModels
import Testing
import VideoIO

/// `StreamWatcher` on a stream served over loopback by FFmpeg's own HTTP server: the same
/// windows and segments as the file read directly, and the actions' changes in order.
@Suite struct StreamWatchTests {
  @Test(.enabled(if: FFmpegServer.isAvailable))
  func aStreamFromLoopbackGivesTheSegmentsOfTheFileReadDirectly() throws {
    let fixture = try LongVideoFixture()
    let model = fixture.model
    let predictor = try fixture.predictor()
    let plan = WindowPlan(model: model)
    let smoother = SegmentSmoother(classes: model.classes)
    let video = try fixture.longVideo(named: "long.ts")
    let direct = try SegmentWorkflow.segments(
      of: video, name: "long.ts", predictor: predictor, plan: plan, smoother: smoother)

    let server = try FFmpegServer(serving: video)
    defer { server.stop() }
    let watcher = StreamWatcher(predictor: predictor, plan: plan, smoother: smoother)
    // FFmpeg sends as fast as the socket takes it, faster than real time: no drops, to
    // compare every window.
    let reader = try server.connect(options: watcher.streamOptions(dropsWhenBehind: false))
    #expect(reader.source == .url(server.url))
    var windows: [WindowPrediction] = []
    var changes: [WatchChange] = []
    let summary = try watcher.watch(reader, onWindow: { windows.append($0) }) {
      changes.append($0)
    }

    #expect(summary.end == .finished)
    #expect(summary.dropped == 0)
    #expect(summary.windows == direct.windows.count)
    #expect(windows.count == direct.windows.count)
    for (streamed, read) in zip(windows, direct.windows) {
      #expect(streamed.label == read.label)
      #expect(abs(streamed.start - read.start) < 1e-9 && abs(streamed.end - read.end) < 1e-9)
      #expect(streamed.startFrame == read.startFrame && streamed.endFrame == read.endFrame)
      // Frames are encoded in batches of another size; the sums may round differently.
      for (a, b) in zip(streamed.probabilities, read.probabilities) { #expect(abs(a - b) < 1e-4) }
    }
    let segments = smoother.segments(
      windows, duration: direct.duration, frameRate: direct.frameRate)
    #expect(segments.map(\.label) == direct.segments.map(\.label))
    #expect(segments.map(\.start) == direct.segments.map(\.start))
    #expect(segments.map(\.end) == direct.segments.map(\.end))
    // Online, the same actions change in the same order, within a stride of the offline
    // boundaries.
    let expected = LongVideoFixture.actions.map(\.rawValue)
    #expect(changes.map(\.change.label) == expected)
    #expect(summary.changes == expected.count && summary.label == expected.last)
    let stride = Double(plan.strideSamples) / plan.sampleRate
    for (change, segment) in zip(changes.dropFirst(), direct.segments.dropFirst()) {
      #expect(abs(change.change.time - segment.start) <= stride + 1e-9)
    }
  }
}

/// The ffmpeg tool as a one-connection HTTP server on 127.0.0.1 (`-listen 1`), sending a file
/// as MPEG-TS.
final class FFmpegServer {
  static var isAvailable: Bool {
    (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").contains {
      FileManager.default.isExecutableFile(atPath: "\($0)/ffmpeg")
    }
  }

  let url: String
  private let process = Process()

  init(serving file: URL) throws {
    // A port from the ephemeral range that nothing else in the suite asks for by number.
    url = "http://127.0.0.1:\(Int.random(in: 20_000...40_000))/long.ts"
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [
      "ffmpeg", "-v", "error", "-nostdin", "-i", file.path, "-c", "copy", "-f", "mpegts",
      "-listen", "1", url,
    ]
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
  }

  /// A reader of the served stream, once the server listens (its first attempts are refused).
  func connect(options: StreamOptions) throws -> StreamReader {
    let deadline = Date().addingTimeInterval(20)
    while true {
      do {
        return try StreamReader(StreamSource(url), options: options)
      } catch {
        guard Date() < deadline, process.isRunning else { throw error }
        Thread.sleep(forTimeInterval: 0.1)
      }
    }
  }

  func stop() {
    if process.isRunning { process.terminate() }
    process.waitUntilExit()
  }
}
