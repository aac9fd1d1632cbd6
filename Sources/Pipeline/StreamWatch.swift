import Foundation
import VideoIO

/// A change of a watched stream's current action, as `vidi watch` prints it.
///
/// Encodes as one JSON line: `{"event": "change", "time", "frame", "label", "previous",
/// "confidence", "dropped"}`.
public struct WatchChange: Sendable, Hashable, Encodable {
  public var change: ActionChange
  /// Samples dropped so far because processing fell behind the live source.
  public var dropped: Int

  /// `  12.50  Basketball  0.93  (was Biking)`, with the drops when there were any.
  public var text: String {
    change.text + (dropped > 0 ? "  [\(dropped) dropped]" : "")
  }

  enum CodingKeys: String, CodingKey {
    case event, time, frame, label, previous, confidence, dropped
  }

  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode("change", forKey: .event)
    try container.encode(change.time, forKey: .time)
    try container.encode(change.frame, forKey: .frame)
    try container.encode(change.label, forKey: .label)
    try container.encode(change.previous, forKey: .previous)
    try container.encode(change.confidence, forKey: .confidence)
    try container.encode(dropped, forKey: .dropped)
  }
}

/// The stream a watch has opened, before its first change.
///
/// Encodes as one JSON line: `{"event": "start", "source", "width", "height", "codec",
/// "frame_rate", "window_seconds", "stride_seconds", "sample_rate"}`.
public struct WatchStart: Sendable, Hashable, Encodable {
  public var source: String
  public var info: VideoInfo
  public var plan: WindowPlan

  public init(source: String, info: VideoInfo, plan: WindowPlan) {
    self.source = source
    self.info = info
    self.plan = plan
  }

  /// `watching udp://... (320×240, mpeg4, 25 fps); window 6.00 s (...), stride 1.50 s`.
  public var text: String {
    "watching \(source) (\(info.width)×\(info.height), \(info.codec), "
      + String(format: "%g fps); ", info.frameRate) + plan.summary
  }

  enum CodingKeys: String, CodingKey {
    case event, source, width, height, codec
    case frameRate = "frame_rate"
    case windowSeconds = "window_seconds"
    case strideSeconds = "stride_seconds"
    case sampleRate = "sample_rate"
  }

  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode("start", forKey: .event)
    try container.encode(source, forKey: .source)
    try container.encode(info.width, forKey: .width)
    try container.encode(info.height, forKey: .height)
    try container.encode(info.codec, forKey: .codec)
    try container.encode(info.frameRate, forKey: .frameRate)
    try container.encode(plan.windowSeconds, forKey: .windowSeconds)
    try container.encode(Double(plan.strideSamples) / plan.sampleRate, forKey: .strideSeconds)
    try container.encode(plan.sampleRate, forKey: .sampleRate)
  }
}

/// What a watch did, once its stream has ended.
///
/// Encodes as one JSON line: `{"event": "end", "end", "reason"?, "stream_seconds", ...}`.
public struct WatchSummary: Sendable, Hashable, Encodable {
  public var end: StreamEnd
  /// Seconds of stream seen: from the first sample to one sample interval after the last.
  public var streamSeconds: Double
  /// Wall-clock seconds from the first sample to the end.
  public var elapsedSeconds: Double
  /// Processor seconds the whole process used meanwhile (decoding, encoding, classifying).
  public var cpuSeconds: Double
  public var samples: Int
  public var dropped: Int
  public var windows: Int
  public var changes: Int
  /// The action current at the end; nil when no window was classified.
  public var label: String?

  /// Stream seconds per wall-clock second: how much faster than real time the watch ran
  /// (about 1 for a live source that it keeps up with).
  public var speed: Double { elapsedSeconds > 0 ? streamSeconds / elapsedSeconds : 0 }

  /// Processor time as a share of the stream's duration: what keeping up costs.
  public var cpuShare: Double { streamSeconds > 0 ? cpuSeconds / streamSeconds : 0 }

  /// `stream ended (finished) after 63.2 s: 4 changes, 190 samples, 0 dropped; ...`.
  public var text: String {
    let how: String
    switch end {
    case .finished: how = "ended"
    case .silent(let seconds): how = "went silent for \(Self.number(seconds)) s"
    case .stopped: how = "stopped"
    case .broken(let reason): how = "broke off (\(reason))"
    }
    return "stream \(how) after \(String(format: "%.1f", streamSeconds)) s: "
      + "\(changes) change\(changes == 1 ? "" : "s"), \(samples) samples, \(dropped) dropped; "
      + String(
        format: "%.1f s elapsed (%.1f× real time), %.1f s of CPU (%.0f%% of real time)",
        elapsedSeconds, speed, cpuSeconds, 100 * cpuShare)
  }

  private static func number(_ value: Double) -> String {
    value == value.rounded() ? String(Int(value)) : String(format: "%.1f", value)
  }

  enum CodingKeys: String, CodingKey {
    case event, end, reason, label, samples, dropped, windows, changes, speed
    case streamSeconds = "stream_seconds"
    case elapsedSeconds = "elapsed_seconds"
    case cpuSeconds = "cpu_seconds"
    case cpuShare = "cpu_share"
  }

  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode("end", forKey: .event)
    switch end {
    case .finished: try container.encode("finished", forKey: .end)
    case .silent: try container.encode("silent", forKey: .end)
    case .stopped: try container.encode("stopped", forKey: .end)
    case .broken(let reason):
      try container.encode("broken", forKey: .end)
      try container.encode(reason, forKey: .reason)
    }
    try container.encode(label, forKey: .label)
    try container.encode(streamSeconds, forKey: .streamSeconds)
    try container.encode(elapsedSeconds, forKey: .elapsedSeconds)
    try container.encode(cpuSeconds, forKey: .cpuSeconds)
    try container.encode(samples, forKey: .samples)
    try container.encode(dropped, forKey: .dropped)
    try container.encode(windows, forKey: .windows)
    try container.encode(changes, forKey: .changes)
    try container.encode(speed, forKey: .speed)
    try container.encode(cpuShare, forKey: .cpuShare)
  }
}

/// Watches a stream for changes of the current action: frames sampled at the window plan's
/// rate go through a `SegmentEngine` (the same windows as `predict --segments`) and an
/// `ActionTracker` (online smoothing), and every change is handed out as soon as it is settled.
///
///     let watcher = StreamWatcher(predictor: predictor, plan: WindowPlan(model: model))
///     let reader = try StreamReader(source, options: watcher.streamOptions())
///     let summary = try watcher.watch(reader) { print($0.text) }
///
/// Used from one thread; `StreamReader.stop()` (from a signal handler) ends the watch, with
/// the pending windows settled and the summary returned as for any other end.
public final class StreamWatcher {
  public let plan: WindowPlan
  public let smoother: SegmentSmoother
  private let engine: SegmentEngine
  private let lag: Int

  /// `smoother` defaults to the model's own rejection rule (`--reject auto`) and the default smoothing; `lag`
  /// is the windows a change waits for before it is reported (see `ActionTracker`).
  public init(
    predictor: VideoPredictor, plan: WindowPlan, smoother: SegmentSmoother? = nil, lag: Int = 2
  ) {
    self.plan = plan
    self.smoother =
      smoother
      ?? SegmentSmoother(
        classes: predictor.model.classes,
        rejection: RejectOption.auto.rule(for: predictor.model, windows: true))
    engine = SegmentEngine(predictor: predictor, plan: plan)
    self.lag = lag
  }

  /// Reader options that sample at the plan's rate and size frames for the backbone.
  public func streamOptions(timeout: Double = 10, dropsWhenBehind: Bool? = nil) -> StreamOptions {
    // A stride of samples may queue before the reader counts as behind: a window classified
    // late by less than a stride still comes out before the next one is due.
    StreamOptions(
      samplesPerSecond: plan.sampleRate, size: engine.frameSize, timeout: timeout,
      dropsWhenBehind: dropsWhenBehind,
      maximumLag: max(1, Double(plan.strideSamples) / plan.sampleRate))
  }

  /// Reads `reader` to its end, calling `onChange` for each change of the current action
  /// and `onWindow` for each window classified.
  public func watch(
    _ reader: StreamReader, onWindow: (WindowPrediction) -> Void = { _ in },
    onChange: (WatchChange) -> Void
  ) throws -> WatchSummary {
    var tracker = ActionTracker(
      smoother: smoother, lag: lag, frameRate: max(reader.info.frameRate, 1))
    var batch = FrameBatch(size: engine.frameSize, reservingFrames: plan.strideSamples)
    let cpuStart = ProcessorTime.now
    var started: Date?
    var first: Double?
    var last: Double?
    var windows = 0
    var changes = 0
    var label: String?
    func report(_ found: [ActionChange]) {
      for change in found {
        changes += 1
        label = change.label
        onChange(WatchChange(change: change, dropped: reader.droppedSamples))
      }
    }
    // Samples already queued are taken together, up to a stride: one encoder call, and no
    // window waits for more than the samples it needs.
    while try reader.next(into: &batch, limit: plan.strideSamples) {
      if started == nil { started = Date() }
      first = first ?? batch.timestamps.first
      last = batch.timestamps.last ?? last
      let found = try engine.push(batch)
      windows += found.count
      for window in found {
        onWindow(window)
        report(tracker.push(window))
      }
    }
    let tail = try engine.finish()
    windows += tail.count
    for window in tail {
      onWindow(window)
      report(tracker.push(window))
    }
    report(tracker.finish())
    let streamSeconds = first.map { (last ?? $0) - $0 + 1 / plan.sampleRate } ?? 0
    return WatchSummary(
      end: reader.end ?? .finished, streamSeconds: streamSeconds,
      elapsedSeconds: started.map { Date().timeIntervalSince($0) } ?? 0,
      cpuSeconds: ProcessorTime.now - cpuStart, samples: engine.samples,
      dropped: reader.droppedSamples, windows: windows, changes: changes, label: label)
  }
}

/// The processor time the process has used, every thread's, in seconds.
enum ProcessorTime {
  static var now: Double { Double(clock()) / Double(CLOCKS_PER_SEC) }
}
