import ArgumentParser
import Dispatch
import Foundation
import Pipeline
import SequenceModels
import VideoIO

/// `vidi watch`: the current action of a live stream, a line each time it changes.
struct Watch: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Follow a live stream and print each change of the current action.",
    discussion: """
      SOURCE is anything FFmpeg opens as input: a file (with --follow, one still being \
      written), - for standard input, an http://, https://, rtsp://, udp:// or tcp:// URL, or \
      a capture device (/dev/video0, v4l2:/dev/video0, lavfi:testsrc) when FFmpeg's \
      libavdevice is installed. Frames are sampled at the rate the model's windows need (the \
      windows of `vidi predict --segments`), and the label is smoothed online: a change is \
      printed a couple of strides after it happens, with its time in the stream.

      A live source is never waited for: when the machine cannot keep up, samples are dropped \
      and counted (the `dropped` figure) instead of falling behind. A file is read as fast as \
      it can be processed, without drops, a followed one too, since it keeps what was written \
      (--no-drop makes any source behave like that).

      The watch ends when the stream does, after --timeout seconds without data, or on \
      Ctrl-C; it then settles the last windows and prints a summary (to standard error, or \
      as the last JSON line). Exit status: 0 at the end of the stream, 130 after Ctrl-C, 1 \
      when the source cannot be read.

      Examples:
        vidi watch ucf101.vidi rtsp://camera.local/stream
        vidi watch ucf101.vidi recording.ts --follow
        ffmpeg -re -i clip.mp4 -f mpegts - | vidi watch ucf101.vidi - --json
        vidi watch ucf101.vidi - --no-drop < recording.ts
        vidi watch ucf101.vidi udp://127.0.0.1:5000 --timeout 30
        vidi watch ucf101.vidi /dev/video0
      """)

  @Argument(help: "The model folder written by `vidi train`.")
  var model: String

  @Argument(help: "A file, - (standard input), a URL or a capture device.")
  var source: String

  @Flag(help: "Print JSON Lines: a start object, one object per change, then a summary object.")
  var json = false

  @Flag(help: "Keep reading a file at its end while it grows (a recording in progress).")
  var follow = false

  @Option(help: "Seconds without data after which the source counts as gone.")
  var timeout = 10.0

  @Flag(help: "Never drop samples: process every one, even if that falls behind the source.")
  var noDrop = false

  @Option(help: "Window length in seconds (default: the model's clip length).")
  var window: Double?

  @Option(help: "Seconds between window starts (default: a quarter window).")
  var stride: Double?

  @Option(help: "Online smoothing of windows: viterbi[:PENALTY] or none.")
  var smoothing: Smoothing = .default

  @Option(
    help: """
      "None of these": auto (the threshold calibrated at training), a probability, or none. \
      Below it the current action is `background`.
      """)
  var reject: RejectOption = .auto

  @Option(parsing: .unconditional, help: "Cores to use (default: all).")
  var threads: Int?

  @OptionGroup var precisionOption: PrecisionOption

  func validate() throws {
    guard timeout > 0 && timeout <= 3600 else {
      throw ValidationError("--timeout must be above 0 and at most 3600 seconds.")
    }
    if let window, !(window > 0 && window <= 3600) {
      throw ValidationError("--window must be above 0 and at most 3600 seconds.")
    }
    if let stride, !(stride > 0 && stride <= 3600) {
      throw ValidationError("--stride must be above 0 and at most 3600 seconds.")
    }
    if case .median = smoothing {
      throw ValidationError("--smoothing median needs windows after each one; use viterbi or none.")
    }
    if let threads, threads < 1 { throw ValidationError("--threads must be at least 1.") }
    if follow, case .file = StreamSource(source) {
    } else if follow {
      throw ValidationError("--follow applies to files only.")
    }
  }

  func run() throws {
    if let mixUp = ArgumentCheck.modelMixUp(model: model, usage: "vidi watch MODEL SOURCE") {
      Console.failure(mixUp)
      throw ExitCode.failure
    }
    let watcher: StreamWatcher
    do {
      let trained = try TrainedModel.load(from: URL(fileURLWithPath: model))
      let predictor = try VideoPredictor(
        model: trained, modelPath: model,
        request: FeatureRequest(precision: try precisionOption.resolved()), cache: nil,
        threads: threads)
      let smoother = SegmentSmoother(
        classes: trained.classes, rejection: reject.rule(for: trained, windows: true),
        smoothing: smoothing)
      watcher = StreamWatcher(
        predictor: predictor, plan: WindowPlan(model: trained, window: window, stride: stride),
        smoother: smoother)
    } catch let exit as ExitCode {
      throw exit
    } catch {
      Console.failure("\(error)")
      throw ExitCode.failure
    }
    let interrupts = Interrupts()
    let reader: StreamReader
    do {
      reader = try StreamReader(
        StreamSource(source, follow: follow),
        options: watcher.streamOptions(timeout: timeout, dropsWhenBehind: noDrop ? false : nil))
    } catch {
      Console.failure("\(error)")
      throw ExitCode.failure
    }
    interrupts.onInterrupt { reader.stop() }
    let start = WatchStart(source: reader.source.description, info: reader.info, plan: watcher.plan)
    if json {
      Console.line(Self.jsonLine(start))
    } else {
      Self.note(start.text + "; Ctrl-C to stop")
    }
    let summary: WatchSummary
    do {
      summary = try watcher.watch(reader) { change in
        Console.line(json ? Self.jsonLine(change) : change.text)
      }
    } catch {
      Console.failure("\(error)")
      throw ExitCode.failure
    }
    if json {
      Console.line(Self.jsonLine(summary))
    } else {
      Self.note(summary.text)
    }
    if summary.end == .stopped { throw ExitCode(130) }
  }

  /// A line about the watch itself on standard error, so standard output holds only changes.
  private static func note(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
  }

  private static func jsonLine(_ value: some Encodable) -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
  }
}

/// SIGINT (Ctrl-C) and SIGTERM turned into a call on a dispatch queue instead of the default
/// abrupt exit, so a watch ends with its summary.
private final class Interrupts: @unchecked Sendable {
  private let lock = NSLock()
  /// Guarded by `lock`.
  private var handler: (@Sendable () -> Void)?
  private var sources: [DispatchSourceSignal] = []

  init() {
    for number in [SIGINT, SIGTERM] {
      signal(number, SIG_IGN)
      let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
      source.setEventHandler { [weak self] in self?.fire() }
      source.resume()
      sources.append(source)
    }
  }

  /// Calls `handler` on each later signal.
  func onInterrupt(_ handler: @escaping @Sendable () -> Void) {
    lock.withLock { self.handler = handler }
  }

  /// Before there is a handler (the source is still opening) there is nothing to settle or
  /// summarise: the process ends at once, as Ctrl-C does elsewhere.
  private func fire() {
    let handler = lock.withLock { self.handler }
    guard let handler else { exit(130) }
    handler()
  }
}
