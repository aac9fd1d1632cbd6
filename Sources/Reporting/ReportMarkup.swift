import Foundation

/// Text helpers shared by the report's HTML and SVG writers.
enum ReportMarkup {
  /// Escapes text for HTML/SVG element content and quoted attribute values.
  static func escape(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.utf8.count)
    for character in text {
      switch character {
      case "&": out += "&amp;"
      case "<": out += "&lt;"
      case ">": out += "&gt;"
      case "\"": out += "&quot;"
      case "'": out += "&#39;"
      default: out.append(character)
      }
    }
    return out
  }

  /// Escapes a file path and lets the browser wrap it after each "/" rather than mid-name.
  static func path(_ path: String) -> String {
    escape(path).replacingOccurrences(of: "/", with: "/<wbr>")
  }

  /// A fraction as a percentage with one decimal, e.g. 0.8912 → "89.1%".
  static func percent(_ fraction: Double) -> String {
    String(format: "%.1f%%", fraction * 100)
  }

  /// An SVG coordinate or length with one decimal; callers pass only finite values.
  static func coordinate(_ value: Double) -> String {
    String(format: "%.1f", value)
  }

  /// A plain number in at most three significant digits, for axis ticks and losses.
  static func number(_ value: Double) -> String {
    String(format: "%.3g", value)
  }

  /// Shortens a label to `limit` characters with an ellipsis, so long names cannot push a chart
  /// off the page; the full text stays in a tooltip.
  static func truncated(_ label: String, to limit: Int) -> String {
    label.count <= limit ? label : String(label.prefix(limit - 1)) + "…"
  }
}
