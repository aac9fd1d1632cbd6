import Foundation
import Reporting
import Testing

@Suite struct HTMLReportTests {
  static func input(classes: [String], epochs: Int, strips: Bool = true) throws -> ReportInput {
    let n = classes.count
    var clips: [EvaluatedClip] = []
    for c in 0..<n {
      for k in 0..<3 {
        var p = [Float](repeating: 0.5 / Float(n), count: n)
        // Every third clip goes to the next class, so each class has some confusion.
        p[k == 2 ? (c + 1) % n : c] += 0.5
        clips.append(
          EvaluatedClip(
            path: "test/\(classes[c])/clip\(k).avi", trueLabel: c, probabilities: p,
            frameProbabilities: [p, p]))
      }
    }
    let metrics = try EvaluationMetrics(classes: classes, clips: clips)
    let curve = (0..<epochs).map { 1 / Double($0 + 1) }
    let thumbnail = RGBThumbnail(width: 4, height: 3, pixels: Array(repeating: 128, count: 36))
    return ReportInput(
      summary: ReportSummary(
        model: "gru", backbone: "efficientnet-lite0", dataset: "data/<set>",
        facts: [ReportFact("Frames", "20")]),
      metrics: metrics,
      history: ReportTrainingHistory(
        trainLoss: curve, validationLoss: curve.map { $0 + 0.1 },
        trainAccuracy: curve.map { 1 - $0 / 2 },
        validationAccuracy: curve.map { 0.9 - $0 / 2 }),
      candidates: [
        ReportCandidate(model: "gru", validationAccuracy: 0.9, validationLoss: 0.3, isChosen: true),
        ReportCandidate(
          model: "frame-average", validationAccuracy: 0.6, validationLoss: nil, isChosen: false),
      ],
      selectionNote: "Highest validation accuracy; ties go to the lower validation loss.",
      skippedClips: [ReportSkippedClip(path: "test/bad & broken.avi", reason: "no video stream")],
      frameStrips: strips
        ? metrics.misclassified.prefix(2).map {
          ReportFrameStrip(path: $0.path, frames: [thumbnail, thumbnail])
        } : [])
  }

  /// What `String(format:)` prints for NaN and infinities, where an attribute or text starts.
  static func nonFiniteNumbers(in html: String) -> [String] {
    ["nan", "-nan", "inf", "-inf", "NaN", "Infinity"].flatMap { word in
      ["\"\(word)", ">\(word)<", ",\(word)", " \(word),"].filter { html.contains($0) }
    }
  }

  @Test func reportHasEverySectionAsInlineSVG() throws {
    let html = HTMLReport.render(
      try Self.input(classes: ["walk", "run", "jump", "sit"], epochs: 12))
    #expect(html.hasPrefix("<!DOCTYPE html>"))
    for id in [
      "summary", "curves", "selection", "confusion", "per-class", "misclassified", "frames",
      "skipped",
    ] {
      #expect(html.contains("<section id=\"\(id)\">"), "missing section \(id)")
    }
    // Loss, accuracy, heat map, per-class bars, and a timeline per strip.
    #expect(html.components(separatedBy: "<svg ").count - 1 == 6)
    #expect(html.contains("aria-label=\"Confusion matrix\""))
    #expect(html.contains("✔ chosen"))
    #expect(html.contains("data:image/png;base64,"))
    #expect(html.contains("Top-3 accuracy"))
    #expect(!html.contains("Top-5 accuracy"))
    #expect(html.contains("data/&lt;set&gt;"))
    #expect(html.contains("test/<wbr>bad &amp; broken.avi"))
  }

  @Test func userTextIsEscaped() throws {
    let html = HTMLReport.render(
      try Self.input(classes: ["<script>alert(1)</script>", "a\"b", "c'd"], epochs: 3))
    #expect(!html.contains("<script"))
    #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
    #expect(html.contains("a&quot;b"))
    #expect(html.contains("c&#39;d"))
  }

  @Test(arguments: [(2, 1), (101, 100), (25, 40)])
  func chartsStayFiniteAtTheExtremes(classCount: Int, epochs: Int) throws {
    let html = HTMLReport.render(
      try Self.input(classes: (0..<classCount).map { "class \($0)" }, epochs: epochs))
    #expect(Self.nonFiniteNumbers(in: html).isEmpty)
    #expect(html.contains("<section id=\"confusion\">"))
    #expect(html.contains(">class \(classCount - 1)</text>"))
  }

  @Test func nonFiniteLossesBreakTheLineInsteadOfTheSVG() throws {
    var input = try Self.input(classes: ["a", "b"], epochs: 1)
    input.history = ReportTrainingHistory(
      trainLoss: [2, .nan, 1, .infinity, 0.5], trainAccuracy: [0.5, 0.6, 0.7, 0.8, 0.9])
    let html = HTMLReport.render(input)
    #expect(Self.nonFiniteNumbers(in: html).isEmpty)
    #expect(html.contains("train epoch 5: 0.5<"))
  }

  @Test func reportNeedsNoNetwork() throws {
    let html = HTMLReport.render(try Self.input(classes: ["a", "b", "c"], epochs: 5))
    let withoutSVGNamespace = html.replacingOccurrences(
      of: "xmlns=\"http://www.w3.org/2000/svg\"", with: "")
    #expect(!withoutSVGNamespace.contains("http:"))
    #expect(!withoutSVGNamespace.contains("https:"))
    #expect(!html.contains("<link"))
  }

  @Test func emptyHistoryAndNoCandidatesAreExplained() throws {
    var input = try Self.input(classes: ["a", "b"], epochs: 0, strips: false)
    input.candidates = []
    input.skippedClips = []
    let html = HTMLReport.render(input)
    #expect(html.contains("No training history recorded."))
    #expect(html.contains("no candidates were compared"))
    #expect(html.contains("None: every clip could be read."))
    #expect(!html.contains("<section id=\"frames\">"))
  }

  @Test func writesAtomicallyAndReportsAnUnwritablePath() throws {
    let input = try Self.input(classes: ["a", "b"], epochs: 2)
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
      "vidi-report-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let file = dir.appendingPathComponent("report.html")
    try HTMLReport.write(input, to: file)
    #expect(try String(contentsOf: file, encoding: .utf8) == HTMLReport.render(input))
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["report.html"])

    let missing = dir.appendingPathComponent("no/such/dir/report.html")
    #expect(
      throws: ReportError.cannotWrite(path: missing.path, reason: "the folder does not exist")
    ) { try HTMLReport.write(input, to: missing) }
    #expect(throws: ReportError.cannotWrite(path: dir.path, reason: "it is a folder")) {
      try HTMLReport.write(input, to: dir)
    }
    #expect(
      ReportError.cannotWrite(path: "/r.html", reason: "permission denied").description
        == "/r.html: cannot write the report: permission denied")
  }

  /// Each point of a misclassified clip's timeline sits under the frame it scores, and the
  /// frames' times label the axis.
  @Test func timelinePointsLineUpWithTheirFrames() throws {
    let thumbnail = RGBThumbnail(width: 4, height: 4, pixels: Array(repeating: 90, count: 48))
    var input = try Self.input(classes: ["a", "b"], epochs: 2, strips: false)
    // The timeline scores frames 12 and 24 only (a short clip's padding is not scored).
    input.metrics = try EvaluationMetrics(
      classes: ["a", "b"],
      clips: [
        EvaluatedClip(
          path: "x.avi", trueLabel: 0, probabilities: [0.3, 0.7],
          frameProbabilities: [[0.2, 0.8], [0.3, 0.7]], frameIndices: [12, 24])
      ])
    input.frameStrips = [
      ReportFrameStrip(
        path: "x.avi", frames: [thumbnail, thumbnail, thumbnail], frameIndices: [0, 12, 24],
        times: [0, 0.5, 1])
    ]
    let html = HTMLReport.render(input)
    let section = try #require(html.components(separatedBy: "<section id=\"frames\">").last)
    let svg = try #require(section.components(separatedBy: "</svg>").first)
    #expect(svg.components(separatedBy: "<image ").count - 1 == 3)
    func numbers(_ attribute: String) -> [Double] {
      svg.components(separatedBy: " \(attribute)=\"").dropFirst().compactMap {
        Double($0.prefix { $0 != "\"" })
      }
    }
    let imageLefts = numbers("x").prefix(3)
    let width = try #require(numbers("width").dropFirst().first)
    let centres = imageLefts.map { $0 + width / 2 }
    let circles = Set(numbers("cx"))
    #expect(circles.count == 2)
    for circle in circles {
      #expect(
        centres.contains { abs($0 - circle) < 0.2 }, "\(circle) not under a frame: \(centres)")
    }
    #expect(!circles.contains { abs($0 - centres[0]) < 0.2 })
    #expect(svg.contains(">0.50s<") && svg.contains(">1.00s<"))
    #expect(svg.contains(">time in the clip<"))
  }

  @Test func aLongRunWithAnEarlyKeptEpochGetsALogarithmicAxis() throws {
    var input = try Self.input(classes: ["a", "b"], epochs: 300)
    input.history.keptEpoch = 3
    let html = HTMLReport.render(input)
    #expect(html.contains("epoch (logarithmic axis)"))
    #expect(html.contains("kept 3<"))
    input.history.keptEpoch = 200
    #expect(!HTMLReport.render(input).contains("logarithmic"))
  }

  /// Every candidate gets its own curve, on an epoch axis as long as the longest run.
  @Test func everyCandidatesCurvesShareAnAxisThatFitsTheEpochsRun() throws {
    var input = try Self.input(classes: ["a", "b"], epochs: 12)
    func history(_ epochs: Int) -> ReportTrainingHistory {
      let curve = (0..<epochs).map { 1 / Double($0 + 2) }
      return ReportTrainingHistory(
        trainLoss: curve, validationLoss: curve, trainAccuracy: curve.map { 1 - $0 },
        validationAccuracy: curve.map { 1 - $0 })
    }
    let names = ["linear (C=1)", "gru (hidden 64)", "gru (hidden 128)", "lstm", "mean-pool"]
    input.candidates = names.enumerated().map { index, name in
      ReportCandidate(
        model: name, validationAccuracy: 0.9, validationLoss: 0.3, isChosen: index == 1,
        history: history(index == 0 ? 1 : 4 + index * 3))
    }
    let html = HTMLReport.render(input)
    let start = try #require(html.range(of: "<section id=\"candidate-curves\">"))
    let section = html[start.upperBound...].prefix { _ in true }
      .components(separatedBy: "</section>")[0]
    for name in names {
      #expect(section.contains(">\(name)\(name == names[1] ? " (chosen)" : "")</text>"))
    }
    // The longest run is 16 epochs: the axis ends there, not at an epoch limit.
    #expect(section.contains(">16</text>"))
    #expect(!section.contains(">20</text>") && !section.contains("logarithmic"))
    #expect(section.components(separatedBy: "<polyline").count - 1 == 2 * (names.count - 1))
    #expect(Self.nonFiniteNumbers(in: section).isEmpty)

    input.candidates = input.candidates.map {
      var candidate = $0
      candidate.history = ReportTrainingHistory()
      return candidate
    }
    #expect(!HTMLReport.render(input).contains("candidate-curves"))
  }

  @Test func classesWithoutClipsShowADash() throws {
    var input = try Self.input(classes: ["a", "b"], epochs: 2)
    input.metrics = try EvaluationMetrics(
      classes: ["a", "b", "c"],
      clips: [EvaluatedClip(path: "1", trueLabel: 0, probabilities: [0.9, 0.1, 0])])
    let html = HTMLReport.render(input)
    #expect(
      html.contains(
        "<tr><td>c</td><td class=\"num\">—</td><td class=\"num\">—</td><td class=\"num\">—</td>"))
    #expect(!html.contains("c recall: 0.0%"))
  }
  @Test func segmentsReportDrawsEachVideoOnATimeAxisWithItsTable() throws {
    let thumbnail = RGBThumbnail(width: 4, height: 4, pixels: Array(repeating: 90, count: 48))
    let classes = ["walk", "run <fast>"]
    let video = ReportSegmentedVideo(
      video: "long & odd.mp4", duration: 75, classes: classes,
      segments: [
        ReportSegment(start: 0, end: 30, label: "walk", confidence: 0.9),
        ReportSegment(start: 30, end: 40, label: "background", confidence: 0.2),
        ReportSegment(start: 40, end: 75, label: "run <fast>", confidence: 0.8),
      ],
      windows: stride(from: 0.0, to: 70, by: 5).map {
        ReportSegment(
          start: $0, end: $0 + 6, label: $0 < 30 ? "walk" : "run <fast>", confidence: 0.7)
      }, rejectThreshold: 0.25,
      strip: ReportFrameStrip(
        path: "long & odd.mp4", frames: [thumbnail, thumbnail, thumbnail], times: [10, 35, 60]))
    // A video too short to have a length must not produce broken coordinates.
    let empty = ReportSegmentedVideo(
      video: "empty.mp4", duration: 0, classes: classes, segments: [], windows: [])
    let html = HTMLReport.render(
      SegmentsReportInput(
        facts: [ReportFact("Model", "m.vidi")], videos: [video, empty],
        failures: [ReportSkippedClip(path: "bad.mp4", reason: "not a video")]))
    #expect(html.hasPrefix("<!DOCTYPE html>") && html.contains("Generated by Vidi."))
    for id in ["summary", "video-1", "video-2", "failed"] {
      #expect(html.contains("<section id=\"\(id)\">"), "missing section \(id)")
    }
    #expect(html.contains("Segments of long &amp; odd.mp4"))
    #expect(!html.contains("run <fast>") && html.contains("run &lt;fast&gt;"))
    // Minutes appear once a time passes one minute; the background block is grey.
    #expect(html.contains("75.00 s (1:15.0)"))
    #expect(html.contains("fill=\"#98a2b3\""))
    #expect(html.contains("<title>rejection threshold 25.0%</title>"))
    #expect(html.contains("1:00</text>") || html.contains("60s</text>"))
    #expect(Self.nonFiniteNumbers(in: html).isEmpty)
  }
}
