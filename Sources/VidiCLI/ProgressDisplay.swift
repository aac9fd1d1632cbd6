import Foundation
import Pipeline

/// Shows extraction progress on standard error: on a terminal a bar redrawn in place, otherwise
/// (a log file, a CI job, a Kubernetes pod) a plain line every `interval` seconds.
struct ProgressDisplay {
  private let isTerminal: Bool
  private let interval: Double
  private let columns: Int
  private var lastShown: Double?
  private var drewBar = false

  init(interval: Double = 10) {
    isTerminal = isatty(STDERR_FILENO) != 0
    self.interval = interval
    columns = Self.terminalColumns()
  }

  mutating func update(_ progress: ExtractionProgress) {
    let finished = progress.done == progress.total
    let wait = isTerminal ? 0.1 : interval
    if let lastShown, progress.elapsed - lastShown < wait, !finished { return }
    lastShown = progress.elapsed
    if isTerminal {
      write("\r\u{1B}[K" + Self.bar(progress, columns: columns) + (finished ? "\n" : ""))
      drewBar = !finished
    } else {
      write(Self.line(progress) + "\n")
    }
  }

  /// Ends a bar left unfinished (the run stopped early), so later output starts on a new line.
  func close() {
    if drewBar { write("\n") }
  }

  /// The in-place line: a bar as wide as the terminal leaves room for (up to 28 cells, none
  /// below 5), then the counts; never wider than `columns - 1`, so it cannot wrap (a wrapped
  /// line leaves a copy behind at every redraw).
  static func bar(_ progress: ExtractionProgress, columns: Int) -> String {
    let text =
      " \(progress.done)/\(progress.total) \(percent(progress))  \(rate(progress))  "
      + "ETA \(eta(progress))  cached \(progress.cached)  failed \(progress.failed)"
    let width = min(28, columns - 1 - text.count - 2)
    guard width >= 5 else { return fit(String(text.dropFirst()), columns: columns) }
    let filled = Int((progress.fraction * Double(width)).rounded(.down))
    let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
    return "[\(bar)]" + text
  }

  /// The terminal's width: from the terminal on standard error, else `$COLUMNS`, else 80.
  static func terminalColumns() -> Int {
    var size = winsize()
    if ioctl(STDERR_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 {
      return Int(size.ws_col)
    }
    if let columns = ProcessInfo.processInfo.environment["COLUMNS"].flatMap(Int.init),
      columns > 0
    {
      return columns
    }
    return 80
  }

  /// `line` cut to at most `columns - 1` characters (ending in "…" when cut), leaving the last
  /// column free so that the cursor never wraps.
  static func fit(_ line: String, columns: Int) -> String {
    let room = max(columns - 1, 1)
    return line.count <= room ? line : String(line.prefix(room - 1)) + "…"
  }

  static func line(_ progress: ExtractionProgress) -> String {
    "extract: \(progress.done)/\(progress.total) clips (\(percent(progress))), \(rate(progress)), "
      + "ETA \(eta(progress)), \(progress.cached) cached, \(progress.failed) failed"
  }

  private static func percent(_ progress: ExtractionProgress) -> String {
    "\(Int((progress.fraction * 100).rounded(.down)))%"
  }

  private static func rate(_ progress: ExtractionProgress) -> String {
    String(format: "%.2f clips/s", progress.rate)
  }

  private static func eta(_ progress: ExtractionProgress) -> String {
    progress.eta.map(duration) ?? "--:--"
  }

  /// `m:ss`, or `h:mm:ss` from an hour up.
  static func duration(_ seconds: Double) -> String {
    let total = Int(seconds.rounded())
    let (hours, minutes, secs) = (total / 3600, total / 60 % 60, total % 60)
    return hours > 0
      ? String(format: "%d:%02d:%02d", hours, minutes, secs)
      : String(format: "%d:%02d", minutes, secs)
  }

  private func write(_ text: String) {
    FileHandle.standardError.write(Data(text.utf8))
  }
}
