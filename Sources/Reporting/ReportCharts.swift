import Foundation

/// One line of a line chart: a value per epoch, index 0 = epoch 1.
struct ReportLineSeries {
  var name: String
  var values: [Double]
  var color: String
  var dashed: Bool
}

/// Inline SVG charts for the HTML report. Every value that reaches a coordinate is finite:
/// non-finite inputs (a diverged loss) break the line instead of producing a broken SVG.
enum ReportCharts {
  typealias M = ReportMarkup

  static let trainColor = "#1f77b4"
  static let validationColor = "#e6550d"
  /// One colour per candidate on the selection charts (Tableau 10), repeating past ten.
  static let candidateColors = [
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
    "#9c755f", "#bab0ac",
  ]
  static let metricColors = [("precision", "#4c78a8"), ("recall", "#f58518"), ("F1", "#54a24b")]
  /// Widest chart that fits the report's content column without scrolling.
  static let pageWidth = 1150.0

  // MARK: Line chart

  /// Per-epoch lines; `percent` fixes the y axis to 0–100 %, otherwise it starts at 0 and ends
  /// at a round number above the largest value. `kept` marks the epoch whose weights were kept.
  /// When the run went on far past that epoch, the epoch axis is logarithmic, so the first
  /// epochs (where the learning happens) are not squashed into a sliver of a long axis.
  static func lineChart(
    title: String, series: [ReportLineSeries], percent: Bool, kept: Int? = nil
  ) -> String {
    let width = 560.0
    // Past three lines the legend leaves the title's row for rows of two under the chart.
    let legendRows = series.count > 3 ? (series.count + 1) / 2 : 0
    let height = 300.0 + Double(legendRows) * 18
    let (left, right, top, bottom) = (58.0, 16.0, 44.0, 44.0 + Double(legendRows) * 18)
    let plotWidth = width - left - right
    let plotHeight = height - top - bottom
    let epochs = series.map(\.values.count).max() ?? 0
    let finite = series.flatMap(\.values).filter(\.isFinite)

    var svg = svgOpen(width: width, height: height, label: title)
    svg += text(title, x: left, y: 18, size: 14, weight: "600")
    guard epochs > 0, !finite.isEmpty else {
      svg += text(
        "no values recorded", x: left + plotWidth / 2, y: top + plotHeight / 2, anchor: "middle")
      return svg + "</svg>"
    }

    let yTicks =
      percent ? [0, 0.25, 0.5, 0.75, 1] : roundTicks(min: finite.min()!, max: finite.max()!)
    let (yLow, yHigh) = (yTicks.first!, yTicks.last!)
    // One epoch sits in the middle of the axis rather than on its edge.
    let (xLow, xHigh) = epochs == 1 ? (0.5, 1.5) : (1.0, Double(epochs))
    let logarithmic = Self.wantsLogEpochs(epochs: epochs, kept: kept)
    func x(_ epoch: Double) -> Double {
      guard logarithmic else { return left + (epoch - xLow) / (xHigh - xLow) * plotWidth }
      return left + log(epoch) / log(xHigh) * plotWidth
    }
    func y(_ value: Double) -> Double {
      top + plotHeight - (min(max(value, yLow), yHigh) - yLow) / (yHigh - yLow) * plotHeight
    }

    for tick in yTicks {
      svg += line(x1: left, y1: y(tick), x2: left + plotWidth, y2: y(tick), color: "#e3e3e3")
      svg += text(
        percent ? String(format: "%.0f%%", tick * 100) : M.number(tick),
        x: left - 6, y: y(tick) + 4, size: 11, anchor: "end", color: "#555")
    }
    for epoch in logarithmic ? logEpochTicks(epochs) : epochTicks(epochs) {
      svg += line(
        x1: x(Double(epoch)), y1: top + plotHeight, x2: x(Double(epoch)), y2: top + plotHeight + 4,
        color: "#888")
      svg += text(
        "\(epoch)", x: x(Double(epoch)), y: top + plotHeight + 17, size: 11, anchor: "middle",
        color: "#555")
    }
    svg += line(
      x1: left, y1: top + plotHeight, x2: left + plotWidth, y2: top + plotHeight, color: "#888")
    svg += text(
      logarithmic ? "epoch (logarithmic axis)" : "epoch", x: left + plotWidth / 2,
      y: top + plotHeight + 38,
      size: 12, anchor: "middle", color: "#333")
    if let kept, (1...epochs).contains(kept) {
      svg +=
        "<line x1=\"\(M.coordinate(x(Double(kept))))\" y1=\"\(M.coordinate(top))\" x2=\"\(M.coordinate(x(Double(kept))))\" y2=\"\(M.coordinate(top + plotHeight))\" stroke=\"#999\" stroke-width=\"1\" stroke-dasharray=\"2 3\"><title>kept epoch \(kept)</title></line>"
      // Near the right edge the label goes left of the line, inside the chart.
      let nearEnd = x(Double(kept)) > left + plotWidth - 50
      svg += text(
        "kept \(kept)", x: x(Double(kept)) + (nearEnd ? -3 : 3), y: top + 10, size: 10,
        anchor: nearEnd ? "end" : "start", color: "#666")
    }

    let showMarkers = epochs <= 30
    for s in series {
      let dash = s.dashed ? " stroke-dasharray=\"6 4\"" : ""
      for run in finiteRuns(s.values) {
        let points = run.map {
          "\(M.coordinate(x(Double($0 + 1)))),\(M.coordinate(y(s.values[$0])))"
        }
        if run.count > 1 {
          svg +=
            "<polyline fill=\"none\" stroke=\"\(s.color)\" stroke-width=\"2\"\(dash) points=\"\(points.joined(separator: " "))\"/>"
        }
        if showMarkers || run.count == 1 {
          for i in run {
            svg +=
              "<circle cx=\"\(M.coordinate(x(Double(i + 1))))\" cy=\"\(M.coordinate(y(s.values[i])))\" r=\"3\" fill=\"\(s.color)\"><title>\(M.escape(s.name)) epoch \(i + 1): \(percent ? M.percent(s.values[i]) : M.number(s.values[i]))</title></circle>"
          }
        }
      }
    }

    for (index, s) in series.enumerated() where legendRows > 0 {
      let (legendX, legendY) = (
        left + Double(index % 2) * 250, top + plotHeight + 58 + Double(index / 2) * 18
      )
      let dash = s.dashed ? " stroke-dasharray=\"6 4\"" : ""
      svg +=
        "<line x1=\"\(M.coordinate(legendX))\" y1=\"\(M.coordinate(legendY - 4))\" x2=\"\(M.coordinate(legendX + 22))\" y2=\"\(M.coordinate(legendY - 4))\" stroke=\"\(s.color)\" stroke-width=\"2\"\(dash)/>"
      svg += text(s.name, x: legendX + 26, y: legendY, size: 11, color: "#333")
    }
    var legendX = left + plotWidth
    for s in series.reversed() where !s.values.isEmpty && legendRows == 0 {
      let labelWidth = Double(s.name.count) * 6.5
      legendX -= labelWidth + 30
      let dash = s.dashed ? " stroke-dasharray=\"6 4\"" : ""
      svg +=
        "<line x1=\"\(M.coordinate(legendX))\" y1=\"30\" x2=\"\(M.coordinate(legendX + 22))\" y2=\"30\" stroke=\"\(s.color)\" stroke-width=\"2\"\(dash)/>"
      svg += text(s.name, x: legendX + 26, y: 34, size: 11, color: "#333")
    }
    return svg + "</svg>"
  }

  /// Index runs of consecutive finite values, so a NaN splits a line into pieces.
  static func finiteRuns(_ values: [Double]) -> [[Int]] {
    var runs: [[Int]] = []
    var current: [Int] = []
    for (i, value) in values.enumerated() {
      if value.isFinite {
        current.append(i)
      } else if !current.isEmpty {
        runs.append(current)
        current = []
      }
    }
    if !current.isEmpty { runs.append(current) }
    return runs
  }

  /// A long run whose kept epoch is early (early stopping waited long) reads better on a
  /// logarithmic axis.
  static func wantsLogEpochs(epochs: Int, kept: Int?) -> Bool {
    guard let kept, epochs >= 40 else { return false }
    return epochs >= 4 * max(kept, 1)
  }

  /// 1, 2, 5, 10, 20, 50, ... up to `epochs`, and `epochs` itself.
  static func logEpochTicks(_ epochs: Int) -> [Int] {
    var ticks: [Int] = []
    var decade = 1
    while decade <= epochs {
      for step in [1, 2, 5] where step * decade <= epochs { ticks.append(step * decade) }
      decade *= 10
    }
    if let last = ticks.last, Double(epochs) / Double(last) > 1.3 { ticks.append(epochs) }
    return ticks
  }

  /// Epoch numbers to label: every epoch when few, otherwise 1 and multiples of a round step.
  static func epochTicks(_ epochs: Int) -> [Int] {
    let step =
      [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000].first { epochs / $0 <= 10 } ?? epochs / 10
    guard step > 1 else { return Array(1...epochs) }
    return [1] + Array(stride(from: step, through: epochs, by: step))
  }

  /// About five evenly spaced round ticks covering 0 (or the minimum, if negative) to the max.
  static func roundTicks(min low: Double, max high: Double) -> [Double] {
    let bottom = Swift.min(low, 0)
    let span = high - bottom
    guard span > 0 else { return [bottom, bottom + 1] }
    let rough = span / 4
    let magnitude = pow(10, floor(log10(rough)))
    let step = [1.0, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= rough }!
    let first = floor(bottom / step) * step
    let last = ceil(high / step) * step
    return stride(from: 0, through: Int(((last - first) / step).rounded()), by: 1).map {
      first + Double($0) * step
    }
  }

  // MARK: Confusion heat map

  /// Rows = true class, columns = predicted class. Colour is the share of the row (the true
  /// class's clips), so rare classes are as readable as common ones; counts are printed while
  /// cells are big enough, and every cell has a tooltip.
  static func confusionHeatMap(classes: [String], matrix: [[Int]]) -> String {
    let n = Double(classes.count)
    let labels = classes.map { M.truncated($0, to: 28) }
    // The font follows the preferred cell size; cells then shrink only as far as needed for the
    // matrix to fit the page, so 100 classes stay on screen with small but readable labels.
    let preferredCell = min(64, max(10, 720 / n))
    let labelSize = min(13, max(8, preferredCell * 0.7))
    let labelWidth = max(36, Double(labels.map(\.count).max() ?? 1) * labelSize * 0.6 + 8)
    let left = labelWidth + 24
    let top = labelWidth + 24
    let cell = max(8, min(preferredCell, (pageWidth - left - 8) / n))
    let grid = n * cell
    let legendTop = top + grid + 14
    let width = max(left + grid + 8, left + 310)
    let height = legendTop + 24

    var svg = svgOpen(width: width, height: height, label: "Confusion matrix")
    svg +=
      "<defs><linearGradient id=\"vidi-heat\"><stop offset=\"0\" stop-color=\"\(heatColor(0))\"/><stop offset=\"1\" stop-color=\"\(heatColor(1))\"/></linearGradient></defs>"
    svg += text(
      "true class", x: 0, y: 0, size: 12, anchor: "middle", color: "#333",
      transform: "translate(12 \(M.coordinate(top + grid / 2))) rotate(-90)")
    svg += text(
      "predicted class", x: left + grid / 2, y: 14, size: 12, anchor: "middle", color: "#333")
    svg +=
      "<rect x=\"\(M.coordinate(left))\" y=\"\(M.coordinate(top))\" width=\"\(M.coordinate(grid))\" height=\"\(M.coordinate(grid))\" fill=\"\(heatColor(0))\" stroke=\"#bbb\"/>"

    for (i, label) in labels.enumerated() {
      let centre = Double(i) * cell + cell / 2
      let full = "<title>\(M.escape(classes[i]))</title>"
      svg +=
        "<text x=\"\(M.coordinate(left - 6))\" y=\"\(M.coordinate(top + centre + labelSize * 0.35))\" font-size=\"\(M.coordinate(labelSize))\" text-anchor=\"end\" fill=\"#222\">\(full)\(M.escape(label))</text>"
      svg +=
        "<text transform=\"translate(\(M.coordinate(left + centre + labelSize * 0.35)) \(M.coordinate(top - 6))) rotate(-90)\" font-size=\"\(M.coordinate(labelSize))\" fill=\"#222\">\(full)\(M.escape(label))</text>"
    }

    let countSize = min(13, cell * 0.4)
    for (row, counts) in matrix.enumerated() {
      let total = counts.reduce(0, +)
      for (column, count) in counts.enumerated() where count > 0 {
        let share = Double(count) / Double(total)
        let x = left + Double(column) * cell
        let y = top + Double(row) * cell
        let tip =
          "true \(classes[row]), predicted \(classes[column]): \(count) of \(total) (\(M.percent(share)))"
        svg +=
          "<rect x=\"\(M.coordinate(x))\" y=\"\(M.coordinate(y))\" width=\"\(M.coordinate(cell))\" height=\"\(M.coordinate(cell))\" fill=\"\(heatColor(share))\"><title>\(M.escape(tip))</title></rect>"
        if cell >= 18 {
          svg += text(
            "\(count)", x: x + cell / 2, y: y + cell / 2 + countSize * 0.35, size: countSize,
            anchor: "middle", color: share > 0.5 ? "#fff" : "#222")
        }
      }
    }

    svg +=
      "<rect x=\"\(M.coordinate(left))\" y=\"\(M.coordinate(legendTop))\" width=\"120\" height=\"10\" fill=\"url(#vidi-heat)\" stroke=\"#bbb\"/>"
    svg += text("0%", x: left - 4, y: legendTop + 9, size: 10, anchor: "end", color: "#555")
    svg += text(
      "100% of the true class's clips", x: left + 124, y: legendTop + 9, size: 10, color: "#555")
    return svg + "</svg>"
  }

  /// White to dark blue as the share goes from 0 to 1.
  static func heatColor(_ share: Double) -> String {
    let low = (247.0, 251.0, 255.0)
    let high = (8.0, 48.0, 107.0)
    let t = min(max(share, 0), 1)
    func mix(_ a: Double, _ b: Double) -> Int { Int((a + (b - a) * t).rounded()) }
    return String(
      format: "#%02x%02x%02x", mix(low.0, high.0), mix(low.1, high.1), mix(low.2, high.2))
  }

  // MARK: Per-class bars

  /// Horizontal precision / recall / F1 bars per class, thinner as the class count grows. A
  /// value that does not exist (recall of a class with no clips, precision of one never
  /// predicted, per `predicted`) gets "—" instead of a bar.
  static func perClassBars(_ metrics: [PerClassMetrics], predicted: [Int]? = nil) -> String {
    let n = metrics.count
    let barHeight = n <= 12 ? 9.0 : (n <= 40 ? 5.0 : 4.0)
    let rowHeight = 3 * barHeight + (n <= 12 ? 10 : 5)
    let labelSize = min(12, max(9, rowHeight * 0.7))
    let labels = metrics.map { M.truncated($0.label, to: 32) }
    let left = Double(labels.map(\.count).max() ?? 1) * labelSize * 0.6 + 14
    let plotWidth = 520.0
    // Room for the value labels, or at least for the "100%" tick label to end in.
    let valueWidth = barHeight >= 9 ? 48.0 : 24
    let top = 34.0
    let width = left + plotWidth + valueWidth
    let height = top + Double(n) * rowHeight + 26

    var svg = svgOpen(width: width, height: height, label: "Precision, recall and F1 per class")
    var legendX = left
    for (name, color) in metricColors {
      svg +=
        "<rect x=\"\(M.coordinate(legendX))\" y=\"8\" width=\"12\" height=\"12\" fill=\"\(color)\"/>"
      svg += text(name, x: legendX + 16, y: 18, size: 12, color: "#333")
      legendX += 90
    }
    for tick in [0, 0.25, 0.5, 0.75, 1] {
      let x = left + tick * plotWidth
      svg += line(x1: x, y1: top - 4, x2: x, y2: top + Double(n) * rowHeight, color: "#e3e3e3")
      svg += text(
        String(format: "%.0f%%", tick * 100), x: x, y: height - 8, size: 11, anchor: "middle",
        color: "#555")
    }
    for (i, entry) in metrics.enumerated() {
      let rowTop = top + Double(i) * rowHeight
      svg +=
        "<text x=\"\(M.coordinate(left - 8))\" y=\"\(M.coordinate(rowTop + 1.5 * barHeight + labelSize * 0.35))\" font-size=\"\(M.coordinate(labelSize))\" text-anchor=\"end\" fill=\"#222\"><title>\(M.escape(entry.label)) (\(entry.support) clips)</title>\(M.escape(labels[i]))</text>"
      let defined = [
        (predicted?[i] ?? 1) > 0, entry.support > 0, entry.support > 0,
      ]
      for (j, value) in [entry.precision, entry.recall, entry.f1].enumerated() {
        let (name, color) = metricColors[j]
        let y = rowTop + Double(j) * barHeight
        guard defined[j] else {
          if barHeight >= 9 {
            svg += text("—", x: left + 4, y: y + barHeight - 1.5, size: 9, color: "#444")
          }
          continue
        }
        svg +=
          "<rect x=\"\(M.coordinate(left))\" y=\"\(M.coordinate(y))\" width=\"\(M.coordinate(max(value, 0) * plotWidth))\" height=\"\(M.coordinate(barHeight - 1))\" fill=\"\(color)\"><title>\(M.escape(entry.label)) \(name): \(M.percent(value))</title></rect>"
        if barHeight >= 9 {
          svg += text(
            M.percent(value), x: left + max(value, 0) * plotWidth + 4, y: y + barHeight - 1.5,
            size: 9, color: "#444")
        }
      }
    }
    return svg + "</svg>"
  }

  // MARK: Frames and their timeline

  /// A clip's sampled frames in a row with, when given, the true and the predicted class's
  /// per-frame probability drawn underneath: each point sits under the frame it scores, and the
  /// frames' times label the axis. The y axis ends at a round value just above the largest
  /// probability: with many classes per-frame probabilities are small and a 0–100 % axis
  /// hides them. The SVG scales down with the page, so no strip needs a sideways scroll.
  static func frameStrip(_ strip: ReportFrameStrip, timeline: FrameTimeline?) -> String {
    let n = max(strip.frames.count, 1)
    let gutter = 40.0
    let cell = min(72, max(20, (pageWidth - gutter - 8) / Double(n)))
    let chartTop = cell + 10
    let chartHeight = timeline == nil ? 0.0 : 80
    let axisTop = chartTop + chartHeight + (timeline == nil ? 0 : 4)
    let width = gutter + Double(n) * cell + 8
    let height = axisTop + 30
    func centre(_ column: Int) -> Double { gutter + (Double(column) + 0.5) * cell }

    var svg = svgOpen(width: width, height: height, label: "Sampled frames and probabilities")
    for (column, frame) in strip.frames.enumerated() {
      do throws(PNGError) {
        let time = strip.times.indices.contains(column) ? ", " + seconds(strip.times[column]) : ""
        svg +=
          "<image x=\"\(M.coordinate(gutter + Double(column) * cell + 1))\" y=\"0\" width=\"\(M.coordinate(cell - 2))\" height=\"\(M.coordinate(cell - 2))\" href=\"\(try PNGEncoder.dataURL(frame))\"><title>frame \(column + 1)\(time)</title></image>"
      } catch {
        svg += text("?", x: centre(column), y: cell / 2, anchor: "middle", color: "#b00")
      }
    }
    if let timeline {
      svg += timelinePlot(
        timeline, strip: strip, columns: n, top: chartTop, height: chartHeight, left: gutter,
        right: gutter + Double(n) * cell, centre: centre)
    }
    // Time labels under the frames, thinned so they do not overlap.
    let labels = (0..<strip.frames.count).map { column -> String in
      if strip.times.indices.contains(column) { return seconds(strip.times[column]) }
      if let times = timeline?.times, times.indices.contains(column) {
        return seconds(times[column])
      }
      return strip.frameIndices.indices.contains(column) ? "#\(strip.frameIndices[column])" : ""
    }
    let every = max(1, Int((46 / cell).rounded(.up)))
    for column in stride(from: 0, to: labels.count, by: every) {
      svg += line(
        x1: centre(column), y1: axisTop - 3, x2: centre(column), y2: axisTop + 1, color: "#888")
      svg += text(
        labels[column], x: centre(column), y: axisTop + 12, size: 10, anchor: "middle",
        color: "#555")
    }
    let unit = labels.first?.hasPrefix("#") == true ? "frame" : "time in the clip"
    svg += text(
      unit, x: gutter + Double(n) * cell / 2, y: axisTop + 26, size: 10, anchor: "middle",
      color: "#777")
    return svg + "</svg>"
  }

  /// The probability lines of `timeline` between `top` and `top + height`, each value under the
  /// strip's frame with the same index (or at the same position when indices are unknown).
  private static func timelinePlot(
    _ timeline: FrameTimeline, strip: ReportFrameStrip, columns: Int, top: Double,
    height: Double, left: Double, right: Double, centre: (Int) -> Double
  ) -> String {
    let largest = Double((timeline.trueClass + timeline.predictedClass).max() ?? 1)
    let yTop = min(
      1, max(0.01, largest >= 0.1 ? ceil(largest * 10) / 10 : ceil(largest * 100) / 100))
    func y(_ p: Float) -> Double {
      top + height - min(max(Double(p), 0), yTop) / yTop * height
    }
    var svg =
      "<rect x=\"\(M.coordinate(left))\" y=\"\(M.coordinate(top))\" width=\"\(M.coordinate(right - left))\" height=\"\(M.coordinate(height))\" fill=\"#fafafa\" stroke=\"#ddd\"/>"
    for tick in [0, yTop / 2, yTop] {
      svg += line(x1: left, y1: y(Float(tick)), x2: right, y2: y(Float(tick)), color: "#e3e3e3")
      svg += text(
        String(format: yTop < 0.1 ? "%.1f%%" : "%.0f%%", tick * 100), x: left - 4,
        y: y(Float(tick)) + 3, size: 9, anchor: "end", color: "#777")
    }
    // Value i belongs to the strip column showing the same source frame.
    let column: (Int) -> Int? = { i in
      if let frames = timeline.frames, !strip.frameIndices.isEmpty {
        return frames.indices.contains(i) ? strip.frameIndices.firstIndex(of: frames[i]) : nil
      }
      return i < columns ? i : nil
    }
    for (values, color, name) in [
      (timeline.trueClass, "#2ca02c", "true class"),
      (timeline.predictedClass, "#d62728", "predicted class"),
    ] {
      let points = values.indices.compactMap { i in column(i).map { (i, $0) } }
      let coordinates = points.map {
        "\(M.coordinate(centre($0.1))),\(M.coordinate(y(values[$0.0])))"
      }
      if coordinates.count > 1 {
        svg +=
          "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.5\" points=\"\(coordinates.joined(separator: " "))\"/>"
      }
      for (i, c) in points {
        svg +=
          "<circle cx=\"\(M.coordinate(centre(c)))\" cy=\"\(M.coordinate(y(values[i])))\" r=\"2.5\" fill=\"\(color)\"><title>\(name): \(M.percent(Double(values[i])))</title></circle>"
      }
    }
    return svg
  }

  /// Seconds with one decimal, or two below ten seconds: "0.40s", "12.5s".
  static func seconds(_ time: Double) -> String {
    String(format: time < 10 ? "%.2fs" : "%.1fs", time)
  }

  // MARK: SVG pieces

  static func svgOpen(width: Double, height: Double, label: String) -> String {
    "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(M.coordinate(width))\" height=\"\(M.coordinate(height))\" viewBox=\"0 0 \(M.coordinate(width)) \(M.coordinate(height))\" role=\"img\" aria-label=\"\(M.escape(label))\" font-family=\"system-ui, sans-serif\">"
  }

  static func line(x1: Double, y1: Double, x2: Double, y2: Double, color: String) -> String {
    "<line x1=\"\(M.coordinate(x1))\" y1=\"\(M.coordinate(y1))\" x2=\"\(M.coordinate(x2))\" y2=\"\(M.coordinate(y2))\" stroke=\"\(color)\" stroke-width=\"1\"/>"
  }

  static func text(
    _ content: String, x: Double, y: Double, size: Double = 12, anchor: String = "start",
    weight: String = "normal", color: String = "#222", transform: String? = nil
  ) -> String {
    let placement =
      transform.map { "transform=\"\($0)\"" }
      ?? "x=\"\(M.coordinate(x))\" y=\"\(M.coordinate(y))\""
    return
      "<text \(placement) font-size=\"\(M.coordinate(size))\" text-anchor=\"\(anchor)\" font-weight=\"\(weight)\" fill=\"\(color)\">\(M.escape(content))</text>"
  }
}
