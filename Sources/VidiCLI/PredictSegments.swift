import ArgumentParser
import Foundation
import Pipeline
import Reporting

// Both parse `init?(argument:)`, which Pipeline gives them.
extension Smoothing: ExpressibleByArgument {}

extension RejectOption: ExpressibleByArgument {}

extension Predict {
  /// `--segments`: each video's segments, as text or JSON (an array when several videos were
  /// asked for; a failed video is `{"video", "error"}` there and a line on standard error),
  /// and with `--report` as an HTML report.
  func segmentAll(_ inputs: PredictionInputs, with predictor: VideoPredictor) throws {
    let reportTarget = report.map { OutputTarget(URL(fileURLWithPath: $0), kind: .report) }
    do {
      try reportTarget?.check(
        force: force, inputs: [URL(fileURLWithPath: self.model)] + inputs.videos.map(\.url))
    } catch {
      Console.failure("\(error)")
      throw ExitCode.failure
    }
    let model = predictor.model
    let plan = WindowPlan(model: model, window: window, stride: stride)
    if window == nil && model.calibration?.clipSeconds == nil {
      Console.failure(
        "note: \(self.model): the model does not record its clip length (trained before it "
          + "was); windows of \(WindowPlan.defaultWindowSeconds) s (--window to change)")
    }
    let rule = reject.rule(for: model, windows: true)
    if case .auto = reject, rule == nil {
      Console.failure(
        "note: \(self.model): the model has no rejection threshold; no background segments")
    }
    let smoother = SegmentSmoother(
      classes: model.classes, rejection: rule, smoothing: smoothing)
    var results: [SegmentResult] = []
    var reported: [ReportSegmentedVideo] = []
    for problem in inputs.problems {
      Console.failure(problem.description)
      results.append(.failed(video: problem.argument, reason: problem.reason))
    }
    for video in inputs.videos {
      var display = SegmentProgressDisplay(video: video.name)
      do {
        let found = try SegmentWorkflow.segments(
          of: video.url, name: video.name, predictor: predictor, plan: plan, smoother: smoother
        ) { display.update($0) }
        display.close()
        if !json { print(found.text) }
        results.append(.segments(found))
        if report != nil {
          // The frames only illustrate the report: a video that segmented has them.
          let strip = try? ReportFrameStrip.spread(
            videoAt: video.url, path: video.name, size: 72)
          reported.append(ReportSegmentedVideo(found, strip: strip))
        }
      } catch {
        display.close()
        Console.failure("\(error)")
        results.append(.failed(video: video.name, reason: Self.reason(error, video: video.name)))
      }
    }
    if json {
      let data =
        results.count == 1 && !inputs.isBatch
        ? try PrettyJSON.encode(results[0]) : try PrettyJSON.encode(results)
      print(String(decoding: data, as: UTF8.self))
    }
    if let reportTarget, let report {
      let facts = [
        ReportFact("Model", "\(self.model) (\(model.typeName))"),
        ReportFact("Windows", plan.summary),
        ReportFact("Smoothing", smoother.smoothing.description),
        ReportFact(
          "Rejection",
          rule.map { String(format: "%@ below %.3f: background", $0.score, $0.threshold) }
            ?? "none"),
      ]
      let failures = results.compactMap { result -> ReportSkippedClip? in
        guard case .failed(let video, let reason) = result else { return nil }
        return ReportSkippedClip(path: video, reason: reason)
      }
      do {
        try HTMLReport.write(
          SegmentsReportInput(facts: facts, videos: reported, failures: failures),
          to: reportTarget.url)
      } catch {
        Console.failure("\(error)")
        throw ExitCode.failure
      }
      if !json { print("\nReport: \(report)") }
    }
    if results.contains(where: \.failed) { throw ExitCode.failure }
  }
}

/// One video's segments, or why it has none.
private enum SegmentResult: Encodable {
  case segments(VideoSegments)
  case failed(video: String, reason: String)

  var failed: Bool {
    if case .failed = self { return true }
    return false
  }

  enum CodingKeys: String, CodingKey { case video, error }

  func encode(to encoder: any Encoder) throws {
    switch self {
    case .segments(let segments): try segments.encode(to: encoder)
    case .failed(let video, let reason):
      var container = encoder.container(keyedBy: CodingKeys.self)
      try container.encode(video, forKey: .video)
      try container.encode(reason, forKey: .error)
    }
  }
}

/// Progress through one long video on standard error, only on a terminal (a log gets the
/// segments, not a stream of redraws): seconds done of the length, speed and ETA.
struct SegmentProgressDisplay {
  private let video: String
  private let isTerminal = isatty(STDERR_FILENO) != 0
  private let columns = ProgressDisplay.terminalColumns()
  private var lastShown: Double?
  private var drew = false

  init(video: String) {
    self.video = video
  }

  mutating func update(_ progress: SegmentProgress) {
    guard isTerminal else { return }
    if let lastShown, progress.elapsed - lastShown < 0.1 { return }
    lastShown = progress.elapsed
    write("\r\u{1B}[K" + ProgressDisplay.fit(Self.line(progress, video: video), columns: columns))
    drew = true
  }

  /// Clears the line, so the results start at the left.
  func close() {
    if drew { write("\r\u{1B}[K") }
  }

  /// E.g. `clip.mp4: 1:20 of 5:00 (27%), 4.1× real time, ETA 0:52`.
  static func line(_ progress: SegmentProgress, video: String) -> String {
    var line = "\(video): \(ProgressDisplay.duration(progress.seconds))"
    if progress.duration > 0 {
      line +=
        " of \(ProgressDisplay.duration(progress.duration))"
        + " (\(Int(min(progress.seconds / progress.duration, 1) * 100))%)"
    }
    if progress.elapsed > 0 {
      line += String(format: ", %.1f× real time", progress.seconds / progress.elapsed)
    }
    return line + ", ETA " + (progress.remaining.map(ProgressDisplay.duration) ?? "--:--")
  }

  private func write(_ text: String) {
    FileHandle.standardError.write(Data(text.utf8))
  }
}
