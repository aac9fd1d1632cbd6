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
  static let metricColors = [("precision", "#4c78a8"), ("recall", "#f58518"), ("F1", "#54a24b")]
  /// Widest chart that fits the report's content column without scrolling.
  static let pageWidth = 1150.0

  // MARK: Line chart

  /// Per-epoch lines; `percent` fixes the y axis to 0–100 %, otherwise it starts at 0 and ends
  /// at a round number above the largest value.
  static func lineChart(title: String, series: [ReportLineSeries], percent: Bool) -> String {
    let width = 560.0
    let height = 300.0
    let (left, right, top, bottom) = (58.0, 16.0, 44.0, 44.0)
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
    func x(_ epoch: Double) -> Double { left + (epoch - xLow) / (xHigh - xLow) * plotWidth }
    func y(_ value: Double) -> Double {
      top + plotHeight - (min(max(value, yLow), yHigh) - yLow) / (yHigh - yLow) * plotHeight
    }

    for tick in yTicks {
      svg += line(x1: left, y1: y(tick), x2: left + plotWidth, y2: y(tick), color: "#e3e3e3")
      svg += text(
        percent ? String(format: "%.0f%%", tick * 100) : M.number(tick),
        x: left - 6, y: y(tick) + 4, size: 11, anchor: "end", color: "#555")
    }
    for epoch in epochTicks(epochs) {
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
      "epoch", x: left + plotWidth / 2, y: height - 6, size: 12, anchor: "middle", color: "#333")

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

    var legendX = left + plotWidth
    for s in series.reversed() where !s.values.isEmpty {
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

  /// Horizontal precision / recall / F1 bars per class, thinner as the class count grows.
  static func perClassBars(_ metrics: [PerClassMetrics]) -> String {
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
      for (j, value) in [entry.precision, entry.recall, entry.f1].enumerated() {
        let (name, color) = metricColors[j]
        let y = rowTop + Double(j) * barHeight
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

  // MARK: Frame timeline

  /// A small chart of the true and the predicted class's probability over a clip's frames.
  /// The y axis ends at a round value just above the largest probability (printed in the
  /// corner): with many classes per-frame probabilities are small and a 0–100 % axis hides them.
  static func timeline(_ timeline: FrameTimeline) -> String {
    let width = 260.0
    let height = 64.0
    let pad = 4.0
    let gutter = 30.0  // left of the plot, for the axis-top label
    let frames = max(timeline.trueClass.count, timeline.predictedClass.count)
    let largest = Double((timeline.trueClass + timeline.predictedClass).max() ?? 1)
    let yTop = min(
      1, max(0.01, largest >= 0.1 ? ceil(largest * 10) / 10 : ceil(largest * 100) / 100))
    var svg = svgOpen(width: width, height: height, label: "Per-frame probabilities")
    svg +=
      "<rect x=\"\(M.coordinate(gutter + 0.5))\" y=\"0.5\" width=\"\(M.coordinate(width - gutter - 1))\" height=\"\(M.coordinate(height - 1))\" fill=\"#fafafa\" stroke=\"#ddd\"/>"
    svg += text(
      String(format: "%.0f%%", yTop * 100), x: gutter - 3, y: pad + 8, size: 9, anchor: "end",
      color: "#777")
    svg += text("0%", x: gutter - 3, y: height - pad, size: 9, anchor: "end", color: "#777")
    guard frames > 0 else { return svg + "</svg>" }
    func x(_ i: Int) -> Double {
      let plotLeft = gutter + pad
      let plotWidth = width - plotLeft - pad
      return frames == 1
        ? plotLeft + plotWidth / 2 : plotLeft + Double(i) / Double(frames - 1) * plotWidth
    }
    func y(_ p: Float) -> Double {
      height - pad - min(max(Double(p), 0), yTop) / yTop * (height - 2 * pad)
    }
    for (values, color) in [(timeline.trueClass, "#2ca02c"), (timeline.predictedClass, "#d62728")] {
      let points = values.enumerated().map {
        "\(M.coordinate(x($0.offset))),\(M.coordinate(y($0.element)))"
      }
      svg +=
        "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.5\" points=\"\(points.joined(separator: " "))\"/>"
      if values.count == 1 {
        svg +=
          "<circle cx=\"\(M.coordinate(x(0)))\" cy=\"\(M.coordinate(y(values[0])))\" r=\"2.5\" fill=\"\(color)\"/>"
      }
    }
    return svg + "</svg>"
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
