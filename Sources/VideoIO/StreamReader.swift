import CFFmpeg
import Foundation

/// How a `StreamReader` samples a stream and how long it waits for one.
public struct StreamOptions: Sendable, Hashable {
  /// Samples per second of stream time, on a fixed grid from the first frame: the first frame
  /// at or after each grid point is kept.
  public var samplesPerSecond: Double
  /// Side of the square frames, in pixels (see `FrameBatch` for the layout).
  public var size: Int
  /// Seconds without data after which the source counts as gone: an error before the first
  /// frame, the end of the stream after it (for a followed file, the file stopped growing).
  public var timeout: Double
  /// Drop samples instead of waiting for the reader when it falls behind; nil: drop for live
  /// sources, wait for files, followed ones included (`StreamSource.isLive`).
  public var dropsWhenBehind: Bool?
  /// How far behind the source the reader may get before samples are dropped, in seconds of
  /// samples queued.
  public var maximumLag: Double
  /// The decoder's own threads (1: none; 0: FFmpeg picks).
  public var decoderThreads: Int

  public init(
    samplesPerSecond: Double = 5, size: Int = 224, timeout: Double = 10,
    dropsWhenBehind: Bool? = nil, maximumLag: Double = 1, decoderThreads: Int = 1
  ) {
    precondition(samplesPerSecond > 0, "a positive sampling rate")
    precondition(size > 0, "frame size must be positive")
    self.samplesPerSecond = samplesPerSecond
    self.size = size
    self.timeout = timeout
    self.dropsWhenBehind = dropsWhenBehind
    self.maximumLag = maximumLag
    self.decoderThreads = decoderThreads
  }

  /// Samples the queue holds before the reader counts as behind.
  var queueCapacity: Int { max(1, Int((samplesPerSecond * maximumLag).rounded(.up))) }
}

/// One sampled frame of a stream.
public struct StreamSample: Sendable {
  /// `size * size * 3` values, RGB rows (HWC), 0...255, as in `FrameBatch`.
  public let pixels: [Float]
  public let size: Int
  /// Seconds from the stream's first decoded frame (its own clock, kept increasing across
  /// timestamp jumps), not from the start of the program when joined mid-way.
  public let timestamp: Double
  /// Frames decoded before this one since the stream was opened.
  public let frameIndex: Int
  /// Samples dropped since the previous sample because the reader was behind.
  public let droppedBefore: Int
}

/// How a stream ended.
public enum StreamEnd: Sendable, Hashable {
  /// The source said so (end of file, of the pipe, of the HTTP body).
  case finished
  /// Nothing arrived for the timeout (a followed file that stopped growing ends this way too).
  case silent(seconds: Double)
  /// `StreamReader.stop()` was called.
  case stopped
  /// Reading broke off with an error after frames had come (a dropped connection).
  case broken(reason: String)
}

/// Reads an unbounded stream (anything `StreamSource` names) as frames sampled at a fixed rate,
/// each with its timestamp, for as long as the stream lasts.
///
/// A thread of its own reads and decodes every frame as it arrives, converting only the
/// sampled ones; `next()` hands them over in order. When the reader falls behind a live source,
/// samples are dropped (and counted in `StreamSample.droppedBefore`) instead of piling up, so
/// what the reader sees stays within `StreamOptions.maximumLag` of the source.
///
///     let reader = try StreamReader(StreamSource("udp://127.0.0.1:5000"))
///     while let sample = try reader.next() { use(sample.pixels, sample.timestamp) }
///     print(reader.end, reader.droppedSamples)
///
/// Opening blocks until the stream's format is known (at most `timeout` without data).
public final class StreamReader: Sendable {
  public let source: StreamSource
  public let options: StreamOptions
  /// The stream's header; a live stream has no duration (0) and an estimated frame count.
  public let info: VideoInfo
  private let interrupt: StreamInterrupt
  private let queue: SampleQueue

  public init(_ source: StreamSource, options: StreamOptions = StreamOptions())
    throws(VideoError)
  {
    let interrupt = StreamInterrupt()
    let session = try DecodeSession.open(
      source, threads: options.decoderThreads, timeout: options.timeout, interrupt: interrupt)
    self.source = source
    self.options = options
    self.info = session.info
    self.interrupt = interrupt
    queue = SampleQueue(capacity: options.queueCapacity)
    let producer = StreamProducer(
      session: session, source: source, options: options, interrupt: interrupt, queue: queue)
    let thread = Thread { producer.run() }
    thread.name = "vidi-stream"
    thread.start()
  }

  deinit {
    interrupt.stop()
    queue.close()
  }

  /// The next sample, waiting for it; nil when the stream has ended (see `end`).
  ///
  /// - Throws: when the stream ends with an error before any frame came out of it.
  public func next() throws(VideoError) -> StreamSample? {
    try queue.pop(upTo: 1).first
  }

  /// Empties `batch` and fills it with the samples that have arrived, up to `limit`, waiting
  /// for the first, as `FrameStream.next(into:limit:)` does for a file. Returns false, with an
  /// empty batch, once the stream has ended.
  public func next(into batch: inout FrameBatch, limit: Int) throws(VideoError) -> Bool {
    precondition(limit > 0, "ask for at least one frame")
    batch.reset(size: options.size)
    for sample in try queue.pop(upTo: limit) {
      batch.appendFrame(index: sample.frameIndex, timestamp: sample.timestamp) {
        $0.append(contentsOf: sample.pixels)
      }
    }
    return batch.count > 0
  }

  /// Ends the stream from any thread (a Ctrl-C handler): samples already queued are still
  /// handed out, then `next()` returns nil and `end` is `.stopped`. The queue ends here, not
  /// when the decoding thread notices: a read from a pipe or FIFO blocks in the kernel, where
  /// FFmpeg's interrupt callback is not polled, for as long as the writer keeps it open.
  public func stop() {
    interrupt.stop()
    queue.finish(.stopped)
  }

  /// How the stream ended; nil while it goes on.
  public var end: StreamEnd? { queue.end }

  /// Samples dropped so far because the reader was behind a live source.
  public var droppedSamples: Int { queue.dropped }
}

/// The decoding thread's side of a `StreamReader`. Owns the session; only that thread uses it.
private final class StreamProducer: @unchecked Sendable {
  private let session: DecodeSession
  private let source: StreamSource
  private let options: StreamOptions
  private let interrupt: StreamInterrupt
  private let queue: SampleQueue
  private let drops: Bool

  init(
    session: DecodeSession, source: StreamSource, options: StreamOptions,
    interrupt: StreamInterrupt, queue: SampleQueue
  ) {
    self.session = session
    self.source = source
    self.options = options
    self.interrupt = interrupt
    self.queue = queue
    drops = options.dropsWhenBehind ?? source.isLive
  }

  func run() {
    let converter = FrameConverter(size: options.size, rotation: session.info.rotation)
    var clock = SampleClock(
      samplesPerSecond: options.samplesPerSecond, frameRate: session.info.frameRate,
      tick: FFmpeg.seconds(session.stream.pointee.time_base))
    var decoded = 0
    var pendingDrops = 0
    var readError: String?
    var scratch = FrameBatch(size: options.size, reservingFrames: 1)
    while true {
      interrupt.arm(seconds: options.timeout)
      let frame: UnsafeMutablePointer<AVFrame>?
      do {
        frame = try session.nextFrame { reason, atEnd in
          // A live stream joined mid-way, or losing packets, decodes with errors until the
          // next keyframe: stepped over. Only a read error that ends the stream is kept.
          if atEnd { readError = reason }
        }
      } catch {
        readError = error.reason
        frame = nil
      }
      guard let frame else { break }
      defer { decoded += 1 }
      let time = clock.time(ofTimestamp: frame.pointee.best_effort_timestamp)
      let slots = clock.samples(at: time)
      guard slots > 0 else { continue }
      if drops && queue.isFull {
        pendingDrops += slots
        queue.countDrops(slots)
        continue
      }
      scratch.reset(size: options.size)
      guard converter.append(frame, index: decoded, timestamp: time, to: &scratch) else {
        continue
      }
      // A frame that reaches several sample times (a source slower than the sampling, or a
      // gap) stands for each of them, so samples stay evenly spaced in time.
      for slot in 0..<slots {
        let sample = StreamSample(
          pixels: scratch.pixels, size: options.size, timestamp: time, frameIndex: decoded,
          droppedBefore: slot == 0 ? pendingDrops : 0)
        guard queue.push(sample) else { return }
      }
      pendingDrops = 0
    }
    finish(decoded: decoded, readError: readError, cause: interrupt.cause)
  }

  /// Tells the reader why the stream ended: an error when it never produced a frame.
  private func finish(decoded: Int, readError: String?, cause: StreamInterrupt.Cause?) {
    let name = source.description
    switch cause {
    case .stopped:
      queue.finish(.stopped)
    case .silent:
      let seconds = options.timeout
      if decoded == 0 {
        queue.finish(
          .silent(seconds: seconds),
          failure: .streamFailed(
            source: name, reason: "no frames in \(StreamText.seconds(seconds)) s"))
      } else if case .file(_, follow: true) = source {
        queue.finish(.finished)
      } else {
        queue.finish(.silent(seconds: seconds))
      }
    case nil:
      if let readError, readError != FFmpeg.message(FFmpeg.eof) {
        if decoded == 0 {
          queue.finish(
            .broken(reason: readError),
            failure: .streamFailed(source: name, reason: "no frames: \(readError)"))
        } else {
          queue.finish(.broken(reason: readError))
        }
      } else if decoded == 0 {
        queue.finish(
          .finished,
          failure: .streamFailed(source: name, reason: "the stream holds no decodable frames"))
      } else {
        queue.finish(.finished)
      }
    }
  }
}

/// A stream's time in seconds from its first frame, and the fixed sampling grid over it.
///
/// Sample `k` is the first frame whose time reaches `k / rate`, with half a frame of slack for
/// rounded timestamps: the rule `FrameStream` applies to files, so a stream and the same file
/// give the same samples. Timestamps that go back or leap ahead (a looping source, a wrapped
/// MPEG-TS clock, a restarted camera) are joined on one frame after the last, so time keeps
/// increasing.
struct SampleClock {
  let rate: Double
  let frameDuration: Double
  let tick: Double
  /// The first frame's timestamp, in ticks: times are counted from it in whole ticks, as
  /// `FrameStream` counts from the stream's start, so both give bit-identical seconds.
  private var base: Int64?
  /// Seconds added to join the jumps so far.
  private var shift = 0.0
  private var last: Double?
  /// The next sample number wanted.
  private var nextSample = 0

  /// Longer gaps than this between frames count as a jump of the source's clock.
  static let maximumGap = 10.0

  init(samplesPerSecond: Double, frameRate: Double, tick: Double) {
    rate = samplesPerSecond
    frameDuration = 1 / max(frameRate, 1)
    self.tick = tick
  }

  /// The time of a frame with this timestamp (stream ticks, or FFmpeg's "no timestamp").
  mutating func time(ofTimestamp stamp: Int64) -> Double {
    let following = last.map { $0 + frameDuration } ?? 0
    var time = following
    if stamp != FFmpeg.noTimestamp, tick > 0 {
      let base = self.base ?? stamp
      self.base = base
      time = Double(stamp &- base) * tick + shift
      if let last, time < last - 1e-6 || time > last + Self.maximumGap {
        shift += following - time
        time = following
      }
    }
    last = time
    return time
  }

  /// How many sample times the frame at `time` is the one for (0: none); moves past them.
  mutating func samples(at time: Double) -> Int {
    let reach = time + frameDuration / 2
    var count = 0
    while Double(nextSample) / rate <= reach {
      count += 1
      nextSample += 1
    }
    return count
  }
}

/// Numbers in stream messages.
enum StreamText {
  /// `10`, `2.5`: seconds without a trailing `.0`.
  static func seconds(_ value: Double) -> String {
    value == value.rounded() ? String(Int(value)) : String(format: "%.1f", value)
  }
}
