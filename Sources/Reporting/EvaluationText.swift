import Foundation

extension EvaluationMetrics {
  /// The metrics as plain text for a terminal: the summary numbers, a per-class table, the
  /// confusion matrix (rows = true class) and the misclassified clips with their top 3.
  public var text: String {
    let topKParts = topK.keys.compactMap(Int.init).sorted().filter { $0 > 1 }
      .compactMap { k in topK[String(k)].map { "top-\(k) \(ReportMarkup.percent($0))" } }
    let summary =
      ["accuracy \(ReportMarkup.percent(accuracy))"] + topKParts
      + ["mean class accuracy \(ReportMarkup.percent(meanClassAccuracy))"]
    var lines = [
      "\(clipCount) clips, \(classes.count) classes", summary.joined(separator: ", "), "",
    ]
    let labelWidth = max(classes.map(\.count).max() ?? 0, 5)
    lines.append(
      pad("class", labelWidth, left: true) + "  precision  recall      f1  support")
    let predicted = predictedCounts
    for (index, row) in perClass.enumerated() {
      let precision = predicted[index] > 0 ? ReportMarkup.percent(row.precision) : "—"
      let (recall, f1) =
        row.support > 0
        ? (ReportMarkup.percent(row.recall), ReportMarkup.percent(row.f1)) : ("—", "—")
      lines.append(
        pad(row.label, labelWidth, left: true) + pad(precision, 11) + pad(recall, 8)
          + pad(f1, 8) + pad(String(row.support), 9))
    }
    if perClass.contains(where: { $0.support == 0 }) || predicted.contains(0) {
      lines.append("(— : the class has no clips here, or was never predicted)")
    }
    lines += ["", "confusion matrix (rows: true class, columns: predicted class by number)"]
    let number = String(classes.count).count
    let cell = max(String(clipCount).count, number) + 2
    let rowHead = number + 1 + labelWidth
    lines.append(
      pad("", rowHead, left: true) + classes.indices.map { pad(String($0 + 1), cell) }.joined())
    for (index, (label, row)) in zip(classes, confusionMatrix).enumerated() {
      lines.append(
        pad(String(index + 1), number) + " " + pad(label, labelWidth, left: true)
          + row.map { pad(String($0), cell) }.joined())
    }
    if !misclassified.isEmpty {
      lines += ["", "misclassified (\(misclassified.count)):"]
      for clip in misclassified {
        let top = clip.top.map { "\($0.label) \(LabelProbability.percent($0.probability))" }
        lines.append(
          "  \(clip.path): \(clip.trueLabel) predicted as \(clip.predictedLabel) "
            + "(\(top.joined(separator: ", ")))")
      }
    }
    return lines.joined(separator: "\n")
  }
}
