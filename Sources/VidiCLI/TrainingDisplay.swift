import Foundation
import Pipeline
import SequenceModels

/// Shows training progress on standard error, quietly: on a terminal one line per candidate
/// (and fold) redrawn in place (epoch, best validation score so far, ETA), fitted to the
/// terminal's width; otherwise a plain status line every `interval` seconds. When a candidate
/// setting is scored, one summary line stays. `verbose` prints every epoch instead.
struct TrainingDisplay {
  private let isTerminal: Bool
  private let verbose: Bool
  private let interval: Double
  private let columns: Int
  private var lastShown: Date?
  private var drewLine = false
  /// The run being drawn (its name without the fold) and when it started, for the ETA.
  private var run: (name: String, start: Date)?
  /// The best validation loss and its accuracy so far in the current fold.
  private var best: (name: String, loss: Double, accuracy: Double)?

  init(verbose: Bool, interval: Double = 10) {
    isTerminal = isatty(STDERR_FILENO) != 0
    self.verbose = verbose
    self.interval = interval
    columns = ProgressDisplay.terminalColumns()
  }

  mutating func epoch(_ progress: TrainingProgress) {
    if verbose {
      write(progress.line + "\n")
      return
    }
    let runName = progress.fold == nil ? progress.name : Self.runName(progress)
    if run?.name != runName { run = (runName, Date()) }
    if best?.name != progress.name { best = nil }
    if let loss = progress.record.validationLoss, let accuracy = progress.record.validationAccuracy,
      loss < best?.loss ?? .infinity
    {
      best = (progress.name, loss, accuracy)
    }
    let now = Date()
    let wait = isTerminal ? 0.1 : interval
    if let lastShown, now.timeIntervalSince(lastShown) < wait { return }
    lastShown = now
    let text = Self.status(
      progress, best: best.map { ($0.loss, $0.accuracy) },
      elapsed: now.timeIntervalSince(run?.start ?? now))
    if isTerminal {
      write("\r\u{1B}[K" + ProgressDisplay.fit(text, columns: columns))
      drewLine = true
    } else {
      write(text + "\n")
    }
  }

  /// A candidate setting's score: replaces its in-place line.
  mutating func score(_ score: CandidateScore) {
    clear()
    write(ProgressDisplay.fit(Self.summary(score), columns: isTerminal ? columns : .max) + "\n")
  }

  /// A candidate setting whose training failed: one line that stays, naming it and why.
  mutating func skipped(_ candidate: SkippedCandidate) {
    clear()
    write(
      ProgressDisplay.fit(Self.skipLine(candidate), columns: isTerminal ? columns : .max) + "\n")
  }

  /// Ends an in-place line, so later output starts on a clean line.
  mutating func clear() {
    if drewLine { write("\r\u{1B}[K") }
    drewLine = false
  }

  /// E.g. "gru (hidden 64) [2/6] fold 3/5: epoch 14/300, best val loss 0.412 (91.2%),
  /// ETA ≤ 0:40". The ETA assumes every remaining fold runs all its epochs: early stopping
  /// usually ends sooner.
  static func status(
    _ progress: TrainingProgress, best: (loss: Double, accuracy: Double)?, elapsed: Double
  ) -> String {
    var text = "\(progress.name): epoch \(progress.record.epoch)/\(progress.epochs)"
    if let best {
      text += String(format: ", best val loss %.3f (%.1f%%)", best.loss, best.accuracy * 100)
    }
    let folds = Double(progress.fold?.count ?? 1)
    let done =
      (Double((progress.fold?.index ?? 1) - 1)
        + Double(progress.record.epoch) / Double(max(progress.epochs, 1))) / folds
    if done > 0, done < 1 {
      text += ", ETA ≤ " + ProgressDisplay.duration(elapsed * (1 - done) / done)
    }
    return text
  }

  /// E.g. "linear (C=1)          97.2% ± 1.5%  log loss 0.091 ± 0.020  1.2 s".
  static func summary(_ score: CandidateScore) -> String {
    let name = score.name.padding(toLength: max(score.name.count, 20), withPad: " ", startingAt: 0)
    var text = name + String(format: "  %5.1f%%", score.validationAccuracy * 100)
    if let sd = score.accuracySD { text += String(format: " ± %4.1f%%", sd * 100) }
    text += String(format: "  log loss %.3f", score.validationLoss)
    if let sd = score.lossSD { text += String(format: " ± %.3f", sd) }
    return text + String(format: "  %.1f s", score.seconds)
  }

  /// E.g. "gru (hidden 64): skipped: training diverged: the loss is not finite in epoch 3".
  static func skipLine(_ candidate: SkippedCandidate) -> String {
    "\(candidate.name): skipped: \(candidate.reason)"
  }

  private static func runName(_ progress: TrainingProgress) -> String {
    var copy = progress
    copy.fold = nil
    return copy.name
  }

  private func write(_ text: String) {
    FileHandle.standardError.write(Data(text.utf8))
  }
}
