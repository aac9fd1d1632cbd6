/// Reporting: classification metrics and the reports that show them.
///
/// Computes accuracy, top-k, per-class precision/recall/F1 and the confusion matrix from
/// evaluated clips, and renders them as terminal text or as one self-contained HTML file with
/// SVG charts and PNG frames. It needs only Foundation: Pipeline and the CLI fill in its plain
/// value inputs.

/// `text` padded with spaces to `width` columns, on the right when `left` aligns it left.
package func pad(_ text: String, _ width: Int, left: Bool = false) -> String {
  let spaces = String(repeating: " ", count: max(width - text.count, 0))
  return left ? text + spaces : spaces + text
}
