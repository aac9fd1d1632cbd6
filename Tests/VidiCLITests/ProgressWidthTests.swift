import Foundation
import Pipeline
import SequenceModels
import Testing

@testable import VidiCLI

/// Lines redrawn in place must stay narrower than the terminal: a line that wraps leaves a
/// copy behind at every redraw.
@Suite struct ProgressWidthTests {
  /// The widest training progress a run can show: a grid setting, a fold, a long epoch count,
  /// a best score and an ETA of hours.
  static let training = TrainingProgress(
    model: .frameAverage, stage: .candidate(index: 6, count: 6),
    record: EpochRecord(
      epoch: 288, loss: 0.123456, accuracy: 0.987, validationLoss: 0.456789,
      validationAccuracy: 0.912, seconds: 12.3),
    epochs: 300, setting: "hidden 128, dropout 0.3", fold: (index: 4, count: 10))

  static let score: CandidateScore = {
    var score = CandidateScore(
      model: .frameAverage, folds: [(0.91, 0.31), (0.97, 0.12), (0.88, 0.44)], bestEpoch: 23,
      epochs: 31, seconds: 1234.5, setting: "hidden 128, dropout 0.3", hyperparameters: nil)
    score.history = []
    return score
  }()

  static let extraction = ExtractionProgress(
    done: 123_456, total: 987_654, cached: 45_678, failed: 1_234, elapsed: 98_765)

  /// Every kind of line the training and extraction displays fit to the terminal.
  static func lines(columns: Int) -> [String] {
    let status = TrainingDisplay.status(
      training, best: (loss: 0.412345, accuracy: 0.9123), elapsed: 4_321)
    let skipped = SkippedCandidate(
      name: "gru (hidden 128)", reason: "training diverged: the loss is not finite in epoch 3")
    return [
      ProgressDisplay.fit(status, columns: columns),
      ProgressDisplay.fit(TrainingDisplay.summary(score), columns: columns),
      ProgressDisplay.fit(TrainingDisplay.skipLine(skipped), columns: columns),
      ProgressDisplay.bar(extraction, columns: columns),
    ]
  }

  @Test(arguments: [80, 40])
  func progressLinesFitTheTerminal(columns: Int) {
    for line in Self.lines(columns: columns) {
      #expect(line.count <= columns - 1, "\(line.count) characters: \(line)")
      #expect(!line.contains("\n"))
    }
  }

  /// The unfitted lines are wider than 80 columns, so the check above has something to catch,
  /// and fitting keeps what a reader needs first: the run's name and the epoch.
  @Test func fittingCutsTheEndNotTheName() {
    let status = TrainingDisplay.status(
      Self.training, best: (loss: 0.412345, accuracy: 0.9123), elapsed: 4_321)
    #expect(status.count > 80)
    let fitted = ProgressDisplay.fit(status, columns: 80)
    #expect(
      fitted.hasPrefix("frame-average (hidden 128, dropout 0.3) [6/6] fold 4/10: epoch 288/300"))
    #expect(fitted.hasSuffix("…"))
    #expect(ProgressDisplay.bar(Self.extraction, columns: 80).contains("123456/987654"))
  }
}
