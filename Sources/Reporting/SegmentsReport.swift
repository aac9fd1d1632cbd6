import Foundation

/// Everything a segments report shows: for each long video, its segments on a time axis over a
/// strip of its frames, the windows' confidence and the table of segments. Plain values, so
/// any caller can fill it in.
public struct SegmentsReportInput: Sendable, Hashable {
  public var title: String
  /// The model, window plan, smoothing and the like, one line each.
  public var facts: [ReportFact]
  public var videos: [ReportSegmentedVideo]
  /// Videos that could not be segmented, and why.
  public var failures: [ReportSkippedClip]

  public init(
    title: String = "Vidi segments report", facts: [ReportFact] = [],
    videos: [ReportSegmentedVideo], failures: [ReportSkippedClip] = []
  ) {
    self.title = title
    self.facts = facts
    self.videos = videos
    self.failures = failures
  }
}

/// One video's segments and the windows they were smoothed from, times in seconds.
public struct ReportSegmentedVideo: Sendable, Hashable {
  public var video: String
  public var duration: Double
  /// The model's classes, which fix each label's colour.
  public var classes: [String]
  public var segments: [ReportSegment]
  public var windows: [ReportSegment]
  /// The rejection threshold under which windows count as background; nil when none applied.
  public var rejectThreshold: Double?
  /// Frames spread over the video, at their times; nil when none could be decoded.
  public var strip: ReportFrameStrip?

  public init(
    video: String, duration: Double, classes: [String], segments: [ReportSegment],
    windows: [ReportSegment], rejectThreshold: Double? = nil, strip: ReportFrameStrip? = nil
  ) {
    self.video = video
    self.duration = duration
    self.classes = classes
    self.segments = segments
    self.windows = windows
    self.rejectThreshold = rejectThreshold
    self.strip = strip
  }
}

/// A labelled stretch of time: a segment, or a window with its most probable class.
public struct ReportSegment: Sendable, Hashable {
  public var start: Double
  public var end: Double
  public var label: String
  /// 0...1.
  public var confidence: Double

  public init(start: Double, end: Double, label: String, confidence: Double) {
    self.start = start
    self.end = end
    self.label = label
    self.confidence = confidence
  }
}

extension HTMLReport {
  /// The whole HTML document of a segments report.
  public static func render(_ input: SegmentsReportInput) -> String {
    let facts = input.facts.map {
      "<tr><th>\(M.escape($0.label))</th><td>\(M.escape($0.value))</td></tr>"
    }
    var sections = [
      section("summary", "Summary", "<table class=\"facts\">\(facts.joined())</table>")
    ]
    sections += input.videos.enumerated().map { segmentsSection($1, number: $0 + 1) }
    if !input.failures.isEmpty {
      let rows = input.failures.map {
        "<tr><td class=\"path\">\(M.path($0.path))</td><td>\(M.escape($0.reason))</td></tr>"
      }
      sections.append(
        section(
          "failed", "Videos that could not be segmented (\(input.failures.count))",
          "<table><thead><tr><th>video</th><th>reason</th></tr></thead><tbody>\(rows.joined())</tbody></table>"
        ))
    }
    return document(title: input.title, sections: sections)
  }

  /// Renders the segments report and writes it atomically, as `write(_:to:)` does.
  public static func write(_ input: SegmentsReportInput, to url: URL) throws(ReportError) {
    try write(html: render(input), to: url)
  }

  /// One video: the time axis, then the table of its segments.
  static func segmentsSection(_ video: ReportSegmentedVideo, number: Int) -> String {
    let rows = video.segments.map { segment in
      """
      <tr><td>\(labelSwatch(segment.label, classes: video.classes))\(M.escape(segment.label))</td>\
      <td class="num">\(clock(segment.start))</td><td class="num">\(clock(segment.end))</td>\
      <td class="num">\(String(format: "%.2f s", segment.end - segment.start))</td>\
      <td class="num">\(M.percent(segment.confidence))</td></tr>
      """
    }
    let threshold =
      video.rejectThreshold.map {
        "Windows whose confidence falls below the rejection threshold (\(M.percent($0)), dashed) "
          + "count as background."
      } ?? "No rejection threshold applied."
    return section(
      "video-\(number)", "Segments of \(video.video)",
      """
      <p class="note">\(String(format: "%.2f s", video.duration)), \(video.segments.count) \
      \(video.segments.count == 1 ? "segment" : "segments") from \(video.windows.count) \
      windows. \(M.escape(threshold))</p>
      <div class="scroll">\(ReportCharts.segmentTimeline(video))</div>
      <table class="segments"><thead><tr><th>label</th><th>start</th><th>end</th>\
      <th>length</th><th>confidence</th></tr></thead><tbody>\(rows.joined())</tbody></table>
      """)
  }

  /// A small square in the label's colour.
  static func labelSwatch(_ label: String, classes: [String]) -> String {
    "<span class=\"swatch\" style=\"background:\(ReportCharts.segmentColor(label, classes: classes))\"></span>"
  }

  /// `83.25 s (1:23.2)`: seconds, with minutes past the first.
  static func clock(_ seconds: Double) -> String {
    let plain = String(format: "%.2f s", seconds)
    guard seconds >= 60 else { return plain }
    let minutes = Int(seconds / 60)
    return plain + String(format: " (%d:%04.1f)", minutes, seconds - Double(minutes) * 60)
  }
}

extension ReportCharts {
  /// The colour of background stretches.
  static let backgroundColor = "#98a2b3"

  /// A class's colour, from its place among the model's classes; background is grey.
  static func segmentColor(_ label: String, classes: [String]) -> String {
    guard let index = classes.firstIndex(of: label) else { return backgroundColor }
    return candidateColors[index % candidateColors.count]
  }

  /// A video's time axis: its frames at their times, the segments as coloured blocks under
  /// them, and the windows' confidence (the probability of each window's best class, a dot in
  /// its colour at the window's centre) with the rejection threshold.
  static func segmentTimeline(_ video: ReportSegmentedVideo) -> String {
    let (left, right) = (86.0, 16.0)
    let plotWidth = pageWidth - left - right
    let frames = video.strip?.frames.count ?? 0
    let cell = frames == 0 ? 0 : min(72, plotWidth / Double(frames))
    let barTop = cell + 8
    let barHeight = 28.0
    let chartTop = barTop + barHeight + 14
    let chartHeight = 90.0
    let axisTop = chartTop + chartHeight + 6
    let height = axisTop + 34
    let duration = video.duration.isFinite && video.duration > 0 ? video.duration : 1
    func x(_ time: Double) -> Double {
      left + min(max(time.isFinite ? time : 0, 0), duration) / duration * plotWidth
    }
    func y(_ confidence: Double) -> Double {
      chartTop + chartHeight - min(max(confidence.isFinite ? confidence : 0, 0), 1) * chartHeight
    }

    var svg = svgOpen(
      width: pageWidth, height: height, label: "Segments of \(video.video) on a time axis")
    if let strip = video.strip, frames > 0 {
      svg += text("frames", x: left - 8, y: cell / 2 + 4, size: 11, anchor: "end", color: "#555")
      svg += timedFrames(strip, cell: cell, from: left, to: left + plotWidth, x: x)
    }
    svg += text(
      "segments", x: left - 8, y: barTop + barHeight / 2 + 4, size: 11, anchor: "end",
      color: "#555")
    for segment in video.segments {
      let (start, end) = (x(segment.start), x(segment.end))
      let width = max(end - start, 1)
      let color = segmentColor(segment.label, classes: video.classes)
      let tip = String(
        format: "%@: %.2f–%.2f s, confidence %.2f", segment.label, segment.start, segment.end,
        segment.confidence)
      svg +=
        "<rect x=\"\(M.coordinate(start))\" y=\"\(M.coordinate(barTop))\" width=\"\(M.coordinate(width))\" height=\"\(M.coordinate(barHeight))\" fill=\"\(color)\" stroke=\"#fff\"><title>\(M.escape(tip))</title></rect>"
      let fits = Int(width / 7)
      if fits >= 3 {
        svg += text(
          M.truncated(segment.label, to: fits), x: start + width / 2,
          y: barTop + barHeight / 2 + 4, size: 11, anchor: "middle", color: "#fff")
      }
    }
    svg += confidencePlot(
      video, top: chartTop, height: chartHeight, from: left, to: left + plotWidth, x: x, y: y)
    svg += timeAxis(duration: duration, top: axisTop, x: x)
    svg += text(
      "time in the video", x: left + plotWidth / 2, y: axisTop + 30, size: 10, anchor: "middle",
      color: "#777")
    return svg + "</svg>"
  }

  /// The strip's frames, each centred on its time (or spread evenly when times are unknown).
  private static func timedFrames(
    _ strip: ReportFrameStrip, cell: Double, from first: Double, to last: Double,
    x: (Double) -> Double
  ) -> String {
    var svg = ""
    let span = last - first
    for (column, frame) in strip.frames.enumerated() {
      let centre =
        strip.times.indices.contains(column)
        ? x(strip.times[column])
        : first + (Double(column) + 0.5) * span / Double(strip.frames.count)
      let left = min(max(centre - cell / 2, first), first + span - cell)
      do throws(PNGError) {
        let time = strip.times.indices.contains(column) ? ", " + seconds(strip.times[column]) : ""
        svg +=
          "<image x=\"\(M.coordinate(left + 1))\" y=\"0\" width=\"\(M.coordinate(cell - 2))\" height=\"\(M.coordinate(cell - 2))\" href=\"\(try PNGEncoder.dataURL(frame))\"><title>frame \(column + 1)\(time)</title></image>"
      } catch {
        svg += text("?", x: left + cell / 2, y: cell / 2, anchor: "middle", color: "#b00")
      }
    }
    return svg
  }

  /// The windows' confidence between `top` and `top + height`, 0 to 1, with the threshold.
  private static func confidencePlot(
    _ video: ReportSegmentedVideo, top: Double, height: Double, from left: Double,
    to right: Double, x: (Double) -> Double, y: (Double) -> Double
  ) -> String {
    var svg = text(
      "confidence", x: left - 8, y: top + height / 2 + 4, size: 11, anchor: "end", color: "#555")
    for tick in [0.0, 0.5, 1.0] {
      svg += line(x1: left, y1: y(tick), x2: right, y2: y(tick), color: "#eee")
      svg += text(
        M.percent(tick), x: left - 4, y: y(tick) + 4, size: 9, anchor: "end", color: "#888")
    }
    if let threshold = video.rejectThreshold, threshold.isFinite {
      svg +=
        "<line x1=\"\(M.coordinate(left))\" y1=\"\(M.coordinate(y(threshold)))\" x2=\"\(M.coordinate(right))\" y2=\"\(M.coordinate(y(threshold)))\" stroke=\"#b00\" stroke-width=\"1\" stroke-dasharray=\"4 3\"><title>rejection threshold \(M.percent(threshold))</title></line>"
    }
    let centres = video.windows.map { ((($0.start + $0.end) / 2), $0) }
    if centres.count > 1 {
      let points = centres.map { "\(M.coordinate(x($0.0))),\(M.coordinate(y($0.1.confidence)))" }
      svg +=
        "<polyline points=\"\(points.joined(separator: " "))\" fill=\"none\" stroke=\"#888\" stroke-width=\"1\"/>"
    }
    for (centre, window) in centres {
      let tip = String(
        format: "window %.2f–%.2f s: %@ %.2f", window.start, window.end, window.label,
        window.confidence)
      svg +=
        "<circle cx=\"\(M.coordinate(x(centre)))\" cy=\"\(M.coordinate(y(window.confidence)))\" r=\"2.5\" fill=\"\(segmentColor(window.label, classes: video.classes))\"><title>\(M.escape(tip))</title></circle>"
    }
    return svg
  }

  /// Ticks at round seconds, about ten of them, labelled in seconds or minutes.
  private static func timeAxis(duration: Double, top: Double, x: (Double) -> Double) -> String {
    let steps = [0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600]
    let step = steps.first { duration / $0 <= 12 } ?? (duration / 12).rounded(.up)
    var svg = line(x1: x(0), y1: top, x2: x(duration), y2: top, color: "#888")
    for tick in stride(from: 0.0, through: duration + 1e-9, by: step) {
      svg += line(x1: x(tick), y1: top, x2: x(tick), y2: top + 4, color: "#888")
      let label =
        step >= 60
        ? String(format: "%d:%02d", Int(tick) / 60, Int(tick) % 60)
        : (step < 1 ? String(format: "%.1fs", tick) : String(format: "%.0fs", tick))
      svg += text(label, x: x(tick), y: top + 16, size: 10, anchor: "middle", color: "#555")
    }
    return svg
  }
}
