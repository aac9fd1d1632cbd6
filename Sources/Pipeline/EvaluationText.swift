import Foundation

extension EvaluationMetrics {
  /// The metrics as plain text for a terminal: the summary numbers, a per-class table, the
  /// confusion matrix (rows = true class) and the misclassified clips with their top 3.
  public var text: String {
    let topKParts = topK.keys.compactMap(Int.init).sorted().filter { $0 > 1 }
      .compactMap { k in topK[String(k)].map { "top-\(k) \(percent($0))" } }
    let summary =
      ["accuracy \(percent(accuracy))"] + topKParts
      + ["mean class accuracy \(percent(meanClassAccuracy))"]
    var lines = [
      "\(clipCount) clips, \(classes.count) classes", summary.joined(separator: ", "), "",
    ]
    let labelWidth = max(classes.map(\.count).max() ?? 0, 5)
    lines.append(
      pad("class", labelWidth, left: true) + "  precision  recall      f1  support")
    for row in perClass {
      lines.append(
        pad(row.label, labelWidth, left: true) + pad(percent(row.precision), 11)
          + pad(percent(row.recall), 8) + pad(percent(row.f1), 8) + pad(String(row.support), 9))
    }
    lines += ["", "confusion matrix (rows: true class, columns: predicted, in the order above)"]
    let cell = max(String(clipCount).count, 3) + 1
    for (label, row) in zip(classes, confusionMatrix) {
      lines.append(pad(label, labelWidth, left: true) + row.map { pad(String($0), cell) }.joined())
    }
    if !misclassified.isEmpty {
      lines += ["", "misclassified (\(misclassified.count)):"]
      for clip in misclassified {
        let top = clip.top.map { "\($0.label) \(Prediction.percent($0.probability))" }
        lines.append(
          "  \(clip.path): \(clip.trueLabel) predicted as \(clip.predictedLabel) "
            + "(\(top.joined(separator: ", ")))")
      }
    }
    return lines.joined(separator: "\n")
  }
}

/// `text` padded with spaces to `width` columns, on the right when `left` aligns it left.
func pad(_ text: String, _ width: Int, left: Bool = false) -> String {
  let spaces = String(repeating: " ", count: max(width - text.count, 0))
  return left ? text + spaces : spaces + text
}
