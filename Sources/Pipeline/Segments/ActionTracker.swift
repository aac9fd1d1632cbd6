import Foundation

/// The moment the current action of a stream changes, as `vidi watch` reports it.
///
/// Encodes as `{"time", "frame", "label", "previous", "confidence"}`.
public struct ActionChange: Sendable, Hashable, Codable {
  /// Seconds from the start of the stream to the change (halfway between the centres of the
  /// last window of the old action and the first of the new one).
  public var time: Double
  /// The frame at `time`.
  public var frame: Int
  /// The new action, or `Segment.background`.
  public var label: String
  /// The action before; nil for the first.
  public var previous: String?
  /// The new label's probability in the window it was decided at (for background, that
  /// window's maximum probability).
  public var confidence: Float

  public init(time: Double, frame: Int, label: String, previous: String?, confidence: Float) {
    self.time = time
    self.frame = frame
    self.label = label
    self.previous = previous
    self.confidence = confidence
  }

  /// `12.50  Basketball  0.93  (was Biking)`.
  public var text: String {
    String(format: "%7.2f  ", time) + label + String(format: "  %.2f", confidence)
      + (previous.map { "  (was \($0))" } ?? "")
  }
}

/// The online form of `SegmentSmoother`'s Viterbi decoding for streams: fixed-lag smoothing.
/// Each window pushed settles the label of the window `lag` windows back (the best path's
/// state there, given everything seen so far), and a change of the settled label is reported.
/// Memory is `lag` windows, whatever the stream's length.
///
///     var tracker = ActionTracker(smoother: smoother, frameRate: 25)
///     for window in windows { for change in tracker.push(window) { print(change.text) } }
///     for change in tracker.finish() { print(change.text) }
public struct ActionTracker: Sendable {
  public let smoother: SegmentSmoother
  /// Windows a decision waits for: more is steadier, less answers sooner (by `lag` strides).
  public let lag: Int
  public let frameRate: Double
  /// The best path score ending in each state at the latest window.
  private var scores: [Double]?
  /// Windows whose label is not settled yet, oldest first: at most `lag`.
  private var unsettled: [WindowPrediction] = []
  /// For each unsettled window but the oldest, the best predecessor of each state.
  private var pointers: [[Int]] = []
  private var settledWindow: WindowPrediction?
  private var settledState: Int?

  /// A smoothing other than Viterbi is taken as no switching penalty: a median needs future
  /// windows a stream does not have yet, and the lag stands in for them.
  public init(smoother: SegmentSmoother, lag: Int = 2, frameRate: Double) {
    self.smoother = smoother
    self.lag = max(lag, 0)
    self.frameRate = frameRate
  }

  private var penalty: Double {
    if case .viterbi(let penalty) = smoother.smoothing { return penalty }
    return 0
  }

  /// Takes the next window; returns the change it settles, if any.
  public mutating func push(_ window: WindowPrediction) -> [ActionChange] {
    let emission = smoother.scores(window)
    if let previous = scores {
      let (step, next) = ViterbiStep.advance(previous, emission: emission, penalty: penalty)
      pointers.append(step)
      scores = next
    } else {
      scores = emission
    }
    unsettled.append(window)
    var changes: [ActionChange] = []
    while unsettled.count > lag {
      changes += settle(state: bestPath()[0], window: unsettled.removeFirst())
      if !pointers.isEmpty { pointers.removeFirst() }
    }
    return changes
  }

  /// Settles every pending window once the stream has ended.
  public mutating func finish() -> [ActionChange] {
    guard !unsettled.isEmpty else { return [] }
    let path = bestPath()
    var changes: [ActionChange] = []
    for (state, window) in zip(path, unsettled) { changes += settle(state: state, window: window) }
    unsettled.removeAll()
    pointers.removeAll()
    return changes
  }

  /// The states of the unsettled windows on the best path so far, oldest first.
  private func bestPath() -> [Int] {
    var state = SegmentSmoother.argmax(scores ?? [])
    var path = [state]
    for step in pointers.reversed() {
      state = step[state]
      path.append(state)
    }
    return path.reversed()
  }

  /// Records `state` as the label of `window`; a change when it differs from the last.
  private mutating func settle(state: Int, window: WindowPrediction) -> [ActionChange] {
    defer {
      settledState = state
      settledWindow = window
    }
    guard state != settledState else { return [] }
    let labels = smoother.stateLabels
    let time = settledWindow.map { ($0.centre + window.centre) / 2 } ?? 0
    let confidence =
      state < smoother.classes.count ? window.probabilities[state] : window.confidence
    return [
      ActionChange(
        time: time, frame: SegmentSmoother.frame(time, frameRate), label: labels[state],
        previous: settledState.map { labels[$0] }, confidence: confidence)
    ]
  }
}
