import Foundation
import Pipeline
import Reporting
import SequenceModels
import Testing

/// Windows one second long, one every half second, with the given probabilities of classes
/// a and b.
func halfSecondWindows(_ probabilities: [[Float]]) -> [WindowPrediction] {
  probabilities.enumerated().map { index, values in
    let best = values[0] >= values[1] ? 0 : 1
    return WindowPrediction(
      start: Double(index) / 2, end: Double(index) / 2 + 1, startFrame: index * 5,
      endFrame: index * 5 + 9, label: ["a", "b"][best], confidence: values[best],
      probabilities: values)
  }
}

@Suite struct SegmentSmootherTests {
  /// a for five windows with one stray b, then b for five.
  static let blip = halfSecondWindows(
    [[0.9, 0.1], [0.8, 0.2], [0.4, 0.6], [0.9, 0.1], [0.8, 0.2]]
      + Array(repeating: [0.2, 0.8], count: 5))

  @Test func withoutSmoothingEveryWindowSpeaks() {
    let smoother = SegmentSmoother(classes: ["a", "b"], smoothing: .none)
    let segments = smoother.segments(Self.blip, duration: 5.5, frameRate: 10)
    #expect(segments.map(\.label) == ["a", "b", "a", "b"])
  }

  @Test(arguments: [Smoothing.median(windows: 3), .viterbi(switchPenalty: 2)])
  func smoothingRemovesAStrayWindow(smoothing: Smoothing) {
    let smoother = SegmentSmoother(classes: ["a", "b"], smoothing: smoothing)
    let segments = smoother.segments(Self.blip, duration: 5.5, frameRate: 10)
    #expect(segments.map(\.label) == ["a", "b"])
    // The change lies halfway between the centres of windows 4 (2.5 s) and 5 (3 s).
    #expect(segments[0].start == 0 && segments[0].end == 2.75)
    #expect(segments[1].start == 2.75 && segments[1].end == 5.5)
    #expect(segments[0].endFrame == 27 && segments[1].startFrame == 28)
    #expect(abs(segments[1].confidence - 0.8) < 1e-6)
    #expect(abs(segments[0].confidence - 0.76) < 1e-6)
  }

  @Test func windowsBelowTheThresholdAreBackground() {
    let windows = halfSecondWindows(
      [[0.9, 0.1], [0.9, 0.1], [0.55, 0.45], [0.5, 0.5], [0.45, 0.55], [0.1, 0.9]])
    for smoothing in [Smoothing.none, .viterbi(switchPenalty: 0.1)] {
      let smoother = SegmentSmoother(
        classes: ["a", "b"], rejection: .maxProbability(0.6), smoothing: smoothing)
      let segments = smoother.segments(windows, duration: 3.5, frameRate: 10)
      #expect(segments.map(\.label) == ["a", Segment.background, "b"])
      #expect(abs(segments[1].confidence - 1.6 / 3) < 1e-6)
    }
  }

  @Test func parsesTheSmoothingArgument() {
    #expect(Smoothing(argument: "none") == Smoothing.none)
    #expect(Smoothing(argument: "median:7") == .median(windows: 7))
    #expect(Smoothing(argument: "viterbi") == .default)
    #expect(Smoothing(argument: "viterbi:1.5") == .viterbi(switchPenalty: 1.5))
    #expect(Smoothing(argument: "viterbi:-1") == nil)
    #expect(Smoothing(argument: "mode") == nil)
  }

  @Test func theTrackerReportsTheSameChangesAsTheOfflineSegments() {
    let smoother = SegmentSmoother(classes: ["a", "b"], smoothing: .viterbi(switchPenalty: 2))
    let offline = smoother.segments(Self.blip, duration: 5.5, frameRate: 10)
    for lag in [0, 2, 3] {
      var tracker = ActionTracker(smoother: smoother, lag: lag, frameRate: 10)
      var changes: [ActionChange] = []
      for window in Self.blip { changes += tracker.push(window) }
      changes += tracker.finish()
      if lag >= 2 {
        #expect(changes.map(\.label) == offline.map(\.label))
        #expect(changes.map(\.time) == offline.map(\.start))
        #expect(changes.map(\.previous) == [nil, "a"])
      } else {
        // Without a lag, the stray window cannot be told from a real change yet.
        #expect(changes.first?.label == "a" && changes.last?.label == "b")
      }
    }
  }

  @Test func rejectOptionParsesAndResolves() {
    #expect(RejectOption(argument: "auto") == .auto)
    #expect(RejectOption(argument: "none") == RejectOption.none)
    #expect(RejectOption(argument: "0.4") == .threshold(0.4))
    #expect(RejectOption(argument: "1.5") == nil)
    #expect(RejectOption(argument: "often") == nil)
  }

  @Test func aRejectedClipAnswersUnknownAndKeepsItsRanking() throws {
    let prediction = Prediction(
      video: "clip.avi",
      predictions: [
        LabelProbability(label: "a", probability: 0.4),
        LabelProbability(label: "b", probability: 0.35),
      ])
    #expect(prediction.rejecting(nil) == prediction)
    #expect(prediction.rejecting(.maxProbability(0.3)) == prediction)
    let rejected = prediction.rejecting(.maxProbability(0.5))
    #expect(rejected.answer == "unknown")
    #expect(rejected.predictions == prediction.predictions)
    #expect(rejected.rejection == Rejection(score: 0.4, threshold: 0.5))
    #expect(rejected.text.contains("unknown (score 40.00% below the threshold 50.00%)"))
    let json = String(decoding: try PrettyJSON.encode(rejected), as: UTF8.self)
    #expect(json.contains("\"rejection\""))
    #expect(
      !String(decoding: try PrettyJSON.encode(prediction), as: UTF8.self).contains("rejection"))
  }
}

@Suite struct SmoothingDescriptionTests {
  @Test(arguments: [Smoothing.none, .median(windows: 5), .viterbi(switchPenalty: 1.5)])
  func descriptionParsesBack(smoothing: Smoothing) {
    #expect(Smoothing(argument: smoothing.description) == smoothing)
  }
}
