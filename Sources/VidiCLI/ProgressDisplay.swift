import Foundation
import Pipeline

/// Shows extraction progress on standard error: on a terminal a bar redrawn in place, otherwise
/// (a log file, a CI job, a Kubernetes pod) a plain line every `interval` seconds.
struct ProgressDisplay {
  private let isTerminal: Bool
  private let interval: Double
  private var lastShown: Double?
  private var drewBar = false

  init(interval: Double = 10) {
    isTerminal = isatty(STDERR_FILENO) != 0
    self.interval = interval
  }

  mutating func update(_ progress: ExtractionProgress) {
    let finished = progress.done == progress.total
    let wait = isTerminal ? 0.1 : interval
    if let lastShown, progress.elapsed - lastShown < wait, !finished { return }
    lastShown = progress.elapsed
    if isTerminal {
      write("\r\u{1B}[K" + Self.bar(progress) + (finished ? "\n" : ""))
      drewBar = !finished
    } else {
      write(Self.line(progress) + "\n")
    }
  }

  /// Ends a bar left unfinished (the run stopped early), so later output starts on a new line.
  func close() {
    if drewBar { write("\n") }
  }

  static func bar(_ progress: ExtractionProgress, width: Int = 28) -> String {
    let filled = Int((progress.fraction * Double(width)).rounded(.down))
    let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
    return "[\(bar)] \(progress.done)/\(progress.total) \(percent(progress))  "
      + "\(rate(progress))  ETA \(eta(progress))  cached \(progress.cached)  "
      + "failed \(progress.failed)"
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
