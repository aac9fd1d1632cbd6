import Foundation
import Testing

@testable import VideoIO

@Suite struct StreamReaderTests {
  /// A 25 fps MPEG-TS clip whose frames show their index, and its bytes.
  private static func clip(_ scratch: Scratch, frames: Int = 50) throws -> (URL, [UInt8]) {
    let url = try scratch.indexedClip("clip.ts", frames: frames)
    return (url, [UInt8](try Data(contentsOf: url)))
  }

  private static func readAll(_ reader: StreamReader) throws -> [StreamSample] {
    var samples: [StreamSample] = []
    while let sample = try reader.next() { samples.append(sample) }
    return samples
  }

  private static func shownIndices(_ samples: [StreamSample]) -> [Int] {
    samples.map { sample in
      var batch = FrameBatch(size: sample.size)
      batch.appendFrame(index: sample.frameIndex, timestamp: sample.timestamp) {
        $0.append(contentsOf: sample.pixels)
      }
      return IndexPattern.index(in: batch, frame: 0)
    }
  }

  private static let options = StreamOptions(samplesPerSecond: 5, size: 32, timeout: 5)

  @Test func samplesAFileOnAFixedGridLikeTheFileReader() throws {
    let scratch = try Scratch()
    let (url, _) = try Self.clip(scratch)
    let reader = try StreamReader(StreamSource(url.path), options: Self.options)
    let samples = try Self.readAll(reader)
    #expect(samples.map(\.frameIndex) == Array(stride(from: 0, to: 50, by: 5)))
    #expect(Self.shownIndices(samples) == Array(stride(from: 0, to: 50, by: 5)))
    for (sample, expected) in zip(samples, stride(from: 0.0, to: 2.0, by: 0.2)) {
      #expect(abs(sample.timestamp - expected) < 1e-6)
    }
    #expect(reader.end == .finished)
    #expect(reader.droppedSamples == 0)
    let direct = try VideoReader.read(url, sampling: .everyNth(5), size: 32)
    #expect(samples.flatMap(\.pixels) == direct.pixels)
  }

  @Test func readsTheSameFramesOverLoopbackHTTP() throws {
    let scratch = try Scratch()
    let (url, bytes) = try Self.clip(scratch)
    let direct = try Self.readAll(StreamReader(StreamSource(url.path), options: Self.options))
    // Paced at about twice real time (the clip lasts 2 s), a live source for the reader.
    let server = try LoopbackHTTPServer(body: bytes, bytesPerSecond: Double(bytes.count))
    let reader = try StreamReader(StreamSource(server.url), options: Self.options)
    #expect(reader.source == .url(server.url))
    let streamed = try Self.readAll(reader)
    #expect(reader.end == .finished)
    #expect(streamed.map(\.frameIndex) == direct.map(\.frameIndex))
    #expect(streamed.map(\.timestamp) == direct.map(\.timestamp))
    #expect(streamed.flatMap(\.pixels) == direct.flatMap(\.pixels))
    #expect(streamed.allSatisfy { $0.droppedBefore == 0 })
  }

  @Test(.enabled(if: FFmpegToolAvailable.value))
  func readsTheSameFramesFromMPEGTSOverLoopbackUDP() throws {
    let scratch = try Scratch()
    let (url, _) = try Self.clip(scratch)
    let direct = try Self.readAll(StreamReader(StreamSource(url.path), options: Self.options))
    let port = freeUDPPort()
    let target = "udp://127.0.0.1:\(port)"
    // The reader binds the port when it opens; the sender starts once it surely has.
    let sender = Thread {
      Thread.sleep(forTimeInterval: 1)
      try? FFmpegTool.run(["-re", "-i", url.path, "-c", "copy", "-f", "mpegts", target])
    }
    sender.start()
    var options = Self.options
    // UDP has no end: the stream ends when the sender has been silent this long.
    options.timeout = 3
    let reader = try StreamReader(StreamSource(target), options: options)
    let streamed = try Self.readAll(reader)
    #expect(reader.end == .silent(seconds: 3))
    #expect(streamed.map(\.frameIndex) == direct.map(\.frameIndex))
    #expect(streamed.flatMap(\.pixels) == direct.flatMap(\.pixels))
  }

  /// Writes `bytes` to a new file as a recording would: the first eight MPEG-TS packets at
  /// once (the recording has started), then `parts` chunks of whole packets from a thread of
  /// its own, `pause` seconds before each.
  private static func record(_ bytes: [UInt8], to url: URL, parts: Int, pause: Double) {
    let first = 8 * 188
    FileManager.default.createFile(atPath: url.path, contents: Data(bytes[0..<first]))
    let packets = (bytes.count - first + 187) / 188
    let chunk = max(1, (packets + parts - 1) / parts) * 188
    let writer = Thread {
      guard let handle = FileHandle(forWritingAtPath: url.path) else { return }
      defer { try? handle.close() }
      try? handle.seekToEnd()
      for start in stride(from: first, to: bytes.count, by: chunk) {
        Thread.sleep(forTimeInterval: pause)
        try? handle.write(contentsOf: bytes[start..<min(start + chunk, bytes.count)])
      }
    }
    writer.start()
  }

  /// The samples of a clip read directly, and followed while `record` writes it to a growing
  /// file (`parts` chunks, nil for one per four packets; `pause` seconds before each), with
  /// `perSample` run after each followed sample and the seconds the whole follow took.
  private static func followWhileWritten(
    parts: Int? = nil, pause: Double, timeout: Double, perSample: () -> Void = {}
  ) throws -> (
    direct: [StreamSample], followed: [StreamSample], reader: StreamReader, seconds: Double
  ) {
    let scratch = try Scratch()
    let (url, bytes) = try clip(scratch)
    let direct = try readAll(StreamReader(StreamSource(url.path), options: options))
    let growing = scratch.url("growing.ts")
    var followOptions = options
    followOptions.timeout = timeout
    let started = Date()
    record(bytes, to: growing, parts: parts ?? bytes.count / (4 * 188), pause: pause)
    let reader = try StreamReader(StreamSource(growing.path, follow: true), options: followOptions)
    var followed: [StreamSample] = []
    while let sample = try reader.next() {
      followed.append(sample)
      perSample()
    }
    return (direct, followed, reader, Date().timeIntervalSince(started))
  }

  /// A followed file ends when it stops growing, with every sample a direct read gives.
  private static func expectComplete(
    _ run: (direct: [StreamSample], followed: [StreamSample], reader: StreamReader, seconds: Double)
  ) {
    #expect(run.reader.end == .finished)
    #expect(run.reader.droppedSamples == 0)
    #expect(run.followed.map(\.frameIndex) == run.direct.map(\.frameIndex))
    #expect(run.followed.flatMap(\.pixels) == run.direct.flatMap(\.pixels))
  }

  @Test func followsAFileWhileItIsWritten() throws {
    // Long enough that a writer thread starved by a loaded machine does not end the stream.
    Self.expectComplete(try Self.followWhileWritten(pause: 0.02, timeout: 5))
  }

  /// A reader slower than the writer (a loaded machine) falls behind a followed file, which
  /// keeps what was written: it catches up instead of losing samples.
  @Test func aSlowReaderOfAFollowedFileLosesNothing() throws {
    Self.expectComplete(
      try Self.followWhileWritten(parts: 4, pause: 0.1, timeout: 3) {
        Thread.sleep(forTimeInterval: 0.3)
      })
  }

  /// A writer that pauses several times mid-file, each pause far longer than the file
  /// protocol's polling and within the timeout, all of them together longer than it (and than
  /// the wait for the stream's format when it opens): reading waits at the end of what was
  /// written, the decoder is not drained there, and the stream goes on to the file's real end.
  @Test func followsAFileWhoseWriterPausesWithinTheTimeout() throws {
    let run = try Self.followWhileWritten(parts: 5, pause: 1, timeout: 3)
    #expect(run.seconds > 5)
    Self.expectComplete(run)
  }

  @Test func dropsSamplesWhenTheReaderFallsBehindALiveSource() throws {
    let scratch = try Scratch()
    let (url, _) = try Self.clip(scratch, frames: 100)
    var options = Self.options
    options.dropsWhenBehind = true
    options.maximumLag = 0.2
    let reader = try StreamReader(StreamSource(url.path), options: options)
    var samples = [try #require(try reader.next())]
    // A reader busy with its first sample while the whole source goes by.
    let deadline = Date().addingTimeInterval(30)
    while reader.end == nil && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
    samples += try Self.readAll(reader)
    // Twenty grid points in 4 s at 5 per second: each one delivered or counted as dropped.
    // Besides the first, at most the one sample the queue holds comes through.
    #expect(samples.count <= 2)
    #expect(samples.count + reader.droppedSamples == 20)
    #expect(samples.map(\.droppedBefore).reduce(0, +) <= reader.droppedSamples)
  }

  @Test func waitsForTheReaderOnAFinishedFile() throws {
    let scratch = try Scratch()
    let (url, _) = try Self.clip(scratch, frames: 100)
    var options = Self.options
    options.maximumLag = 0.2
    let reader = try StreamReader(StreamSource(url.path), options: options)
    Thread.sleep(forTimeInterval: 0.3)
    let samples = try Self.readAll(reader)
    #expect(samples.count == 20)
    #expect(reader.droppedSamples == 0)
  }

  @Test func stopEndsABlockedReadPromptly() throws {
    let scratch = try Scratch()
    let (_, bytes) = try Self.clip(scratch, frames: 100)
    let server = try LoopbackHTTPServer(body: bytes, stallAfter: bytes.count / 2)
    defer { server.shutDown() }
    var options = Self.options
    options.timeout = 60
    let reader = try StreamReader(StreamSource(server.url), options: options)
    let first = try reader.next()
    #expect(first != nil)
    let stopper = Thread {
      Thread.sleep(forTimeInterval: 0.3)
      reader.stop()
    }
    let started = Date()
    stopper.start()
    let rest = try Self.readAll(reader)
    #expect(Date().timeIntervalSince(started) < 10)
    #expect(reader.end == .stopped)
    #expect(rest.count < 19)
  }

  /// A pipe whose writer stays open blocks the decoding thread inside read(2), where FFmpeg's
  /// interrupt callback is never polled (standard input under `vidi watch -`); the reader
  /// must end anyway.
  @Test func stopEndsAReadBlockedOnAPipeThatStaysOpen() throws {
    let scratch = try Scratch()
    let (_, bytes) = try Self.clip(scratch, frames: 100)
    let pipe = Pipe()
    let release = DispatchSemaphore(value: 0)
    let writer = Thread {
      pipe.fileHandleForWriting.write(Data(bytes))
      release.wait()
      try? pipe.fileHandleForWriting.close()
    }
    writer.start()
    defer { release.signal() }
    let source = StreamSource.url("pipe:\(pipe.fileHandleForReading.fileDescriptor)")
    let reader = try StreamReader(source, options: Self.options)
    #expect(try reader.next() != nil)
    let ended = DispatchSemaphore(value: 0)
    let consumer = Thread {
      _ = try? Self.readAll(reader)
      ended.signal()
    }
    consumer.start()
    // Long enough for the whole clip to be decoded and read: the decoding thread then waits
    // in read(2) for bytes that never come.
    Thread.sleep(forTimeInterval: 1)
    reader.stop()
    #expect(ended.wait(timeout: .now() + 10) == .success)
    #expect(reader.end == .stopped)
  }

  @Test func unreachableSourcesFailWithOneLine() throws {
    var options = Self.options
    options.timeout = 0.5
    // Port 1 on loopback: nothing listens, the connection is refused at once.
    let refused = #expect(throws: VideoError.self) {
      _ = try StreamReader(StreamSource("http://127.0.0.1:1/live.ts"), options: options)
    }
    #expect(refused?.description.hasPrefix("http://127.0.0.1:1/live.ts: cannot open: ") == true)
    // A UDP port nobody sends to: no data within the timeout.
    let silent = #expect(throws: VideoError.self) {
      _ = try StreamReader(StreamSource("udp://127.0.0.1:\(freeUDPPort())"), options: options)
    }
    #expect(silent?.reason == "no data in 0.5 s (is the source running?)")
    let missing = #expect(throws: VideoError.self) {
      _ = try StreamReader(StreamSource("/nonexistent/clip.ts"), options: options)
    }
    #expect(missing == .missing(path: "/nonexistent/clip.ts"))
    for error in [refused, silent, missing] {
      #expect(error?.description.contains("\n") == false)
    }
  }

  @Test(.enabled(if: CaptureDevices.isAvailable))
  func readsAnInputDeviceOfLibavdevice() throws {
    let source = StreamSource("lavfi:testsrc=size=64x48:rate=25:duration=2")
    #expect(source == .device(format: "lavfi", name: "testsrc=size=64x48:rate=25:duration=2"))
    // lavfi makes frames as fast as they are read, not at its frame rate: not a live source.
    var options = Self.options
    options.dropsWhenBehind = false
    let reader = try StreamReader(source, options: options)
    let samples = try Self.readAll(reader)
    #expect(samples.map(\.frameIndex) == Array(stride(from: 0, to: 50, by: 5)))
    #expect(reader.end == .finished)
  }

  @Test func namesSourcesAsACommandLineDoes() {
    #expect(StreamSource("-") == .standardInput)
    #expect(StreamSource("clip.ts") == .file(path: "clip.ts", follow: false))
    #expect(StreamSource("rec.ts", follow: true) == .file(path: "rec.ts", follow: true))
    #expect(StreamSource("file:///tmp/a.ts") == .file(path: "/tmp/a.ts", follow: false))
    #expect(StreamSource("rtsp://cam.local/stream") == .url("rtsp://cam.local/stream"))
    #expect(StreamSource("/dev/video0") == .device(format: "v4l2", name: "/dev/video0"))
    #expect(StreamSource("v4l2:/dev/video2") == .device(format: "v4l2", name: "/dev/video2"))
    // A colon in a file name does not make a device.
    #expect(StreamSource("take:2.mp4") == .file(path: "take:2.mp4", follow: false))
    #expect(StreamSource("-").isLive && !StreamSource("a.ts").isLive)
    #expect(!StreamSource("a.ts", follow: true).isLive)
  }

  @Test func sampleClockKeepsAGridAndJoinsJumps() {
    var clock = SampleClock(samplesPerSecond: 5, frameRate: 25, tick: 1.0 / 90_000)
    var taken: [Int] = []
    var times: [Double] = []
    // 25 fps on a 90 kHz clock starting at 1.4 s; after frame 29 the clock jumps back.
    for i in 0..<60 {
      let stamp = i < 30 ? 126_000 + Int64(i) * 3600 : Int64(i - 30) * 3600
      let time = clock.time(ofTimestamp: stamp)
      times.append(time)
      if clock.samples(at: time) > 0 { taken.append(i) }
    }
    #expect(taken == Array(stride(from: 0, to: 60, by: 5)))
    for (i, time) in times.enumerated() { #expect(abs(time - Double(i) * 0.04) < 1e-9) }
    // At 10 samples a second, each frame of a 5 fps source stands for two (as in FrameStream).
    var slow = SampleClock(samplesPerSecond: 10, frameRate: 5, tick: 0.2)
    #expect((0..<3).map { slow.samples(at: slow.time(ofTimestamp: Int64($0))) } == [2, 2, 2])
    var untimed = SampleClock(samplesPerSecond: 5, frameRate: 25, tick: 0)
    #expect(untimed.time(ofTimestamp: 0) == 0)
    #expect(abs(untimed.time(ofTimestamp: 0) - 0.04) < 1e-12)
  }
}

/// Whether the `ffmpeg` tool is on the PATH (setup installs it; tests that send with it are
/// skipped elsewhere).
enum FFmpegToolAvailable {
  static let value: Bool = {
    (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").contains {
      FileManager.default.isExecutableFile(atPath: "\($0)/ffmpeg")
    }
  }()
}
