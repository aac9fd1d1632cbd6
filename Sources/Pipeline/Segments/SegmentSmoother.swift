import Foundation

/// How window predictions are turned into a label per window before they are merged into
/// segments.
public enum Smoothing: Sendable, Hashable, Codable, CustomStringConvertible {
  /// Each window's own most probable label.
  case none
  /// Each state's log score replaced by its median over `windows` windows around it.
  case median(windows: Int)
  /// The most probable label sequence when changing label costs `switchPenalty` (in log
  /// probability): an HMM with a uniform switching prior, decoded by Viterbi.
  case viterbi(switchPenalty: Double)

  /// The default: Viterbi, with the penalty chosen on the bench (`bench/segments`).
  public static let `default` = Smoothing.viterbi(switchPenalty: 1)

  /// The argument form, e.g. `viterbi:1` or `median:5`, which `init(argument:)` parses back.
  public var description: String {
    switch self {
    case .none: "none"
    case .median(let windows): "median:\(windows)"
    case .viterbi(let penalty): "viterbi:\(String(format: "%g", penalty))"
    }
  }

  /// Parses `none`, `median`, `median:K`, `viterbi` or `viterbi:PENALTY`.
  public init?(argument: String) {
    let parts = argument.split(separator: ":", maxSplits: 1).map(String.init)
    switch (parts.first, parts.count) {
    case ("none", 1): self = .none
    case ("median", 1): self = .median(windows: 5)
    case ("viterbi", 1): self = .default
    case ("median", 2):
      guard let k = Int(parts[1]), k >= 1 else { return nil }
      self = .median(windows: k)
    case ("viterbi", 2):
      guard let penalty = Double(parts[1]), penalty >= 0, penalty.isFinite else { return nil }
      self = .viterbi(switchPenalty: penalty)
    default: return nil
    }
  }
}

/// Turns a video's window predictions into segments.
///
/// The states are the model's classes, plus background when there is a rejection rule. A
/// window scores `log p(class)` for each class. For background it scores `log threshold` under
/// a maximum-probability rule; under a feature-space rule, the larger of `log floor` (its
/// probability floor) and its best class's score plus the evidence against every class,
/// `(threshold - featureScore) / spread`. Either way, without smoothing a window is background
/// exactly when the rule rejects it, and smoothing weighs "nothing known" like any class.
public struct SegmentSmoother: Sendable {
  public var classes: [String]
  public var rejection: RejectionRule?
  public var smoothing: Smoothing

  public init(
    classes: [String], rejection: RejectionRule? = nil, smoothing: Smoothing = .default
  ) {
    self.classes = classes
    self.rejection = rejection
    self.smoothing = smoothing
  }

  /// The threshold of the rejection rule, on its own score.
  public var rejectThreshold: Float? { rejection?.threshold }

  /// Labels of the states: the classes, then background when there is a rule.
  public var stateLabels: [String] {
    classes + (rejection == nil ? [] : [Segment.background])
  }

  /// The log score of each state for `window`.
  func scores(_ window: WindowPrediction) -> [Double] {
    let floor = 1e-6
    var scores = window.probabilities.map { log(max(Double($0), floor)) }
    switch rejection {
    case .none: break
    case .maxProbability(let threshold): scores.append(log(max(Double(threshold), floor)))
    case .features(let rejection, let probabilityFloor):
      let byProbability = log(max(Double(probabilityFloor ?? 0), floor))
      // A window scored without features (none should be) is judged on its probability alone.
      guard let score = window.featureScore else {
        scores.append(byProbability)
        break
      }
      let evidence = Double((rejection.threshold - score) / rejection.spread)
      scores.append(max(byProbability, (scores.max() ?? 0) + evidence))
    }
    return scores
  }

  /// The state of each window.
  public func states(_ windows: [WindowPrediction]) -> [Int] {
    let scores = windows.map(scores)
    switch smoothing {
    case .none: return scores.map(Self.argmax)
    case .median(let width): return Self.median(scores, width: width).map(Self.argmax)
    case .viterbi(let penalty): return Self.viterbi(scores, penalty: penalty)
    }
  }

  /// Segments covering `0..<duration` seconds: runs of windows in one state, split halfway
  /// between the centres of the windows where the state changes. `frameRate` gives frame
  /// numbers.
  public func segments(
    _ windows: [WindowPrediction], duration: Double, frameRate: Double
  ) -> [Segment] {
    guard !windows.isEmpty else { return [] }
    let states = states(windows)
    let labels = stateLabels
    let end = max(duration, windows.last!.end)
    var segments: [Segment] = []
    var first = 0
    for index in 1...windows.count where index == windows.count || states[index] != states[first] {
      let start = first == 0 ? 0 : (windows[first - 1].centre + windows[first].centre) / 2
      let stop =
        index == windows.count ? end : (windows[index - 1].centre + windows[index].centre) / 2
      let members = windows[first..<index]
      let state = states[first]
      let confidence =
        members.map { state < classes.count ? $0.probabilities[state] : $0.confidence }
        .reduce(0, +) / Float(members.count)
      segments.append(
        Segment(
          start: start, end: stop, startFrame: Self.frame(start, frameRate),
          endFrame: max(Self.frame(start, frameRate), Self.frame(stop, frameRate) - 1),
          label: labels[state], confidence: confidence))
      first = index
    }
    return segments
  }

  static func frame(_ seconds: Double, _ frameRate: Double) -> Int {
    Int((seconds * frameRate).rounded())
  }

  static func argmax(_ values: [Double]) -> Int {
    var best = 0
    for index in values.indices where values[index] > values[best] { best = index }
    return best
  }

  /// Each state's score replaced by its median over the `width` windows centred on each one
  /// (fewer at the ends).
  static func median(_ scores: [[Double]], width: Int) -> [[Double]] {
    let half = max(width, 1) / 2
    return scores.indices.map { t in
      let around = scores[max(0, t - half)...min(scores.count - 1, t + half)]
      return scores[t].indices.map { state in
        let sorted = around.map { $0[state] }.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
      }
    }
  }

  /// The state sequence maximising the summed scores minus `penalty` per change.
  static func viterbi(_ scores: [[Double]], penalty: Double) -> [Int] {
    guard let first = scores.first else { return [] }
    var best = first
    var back: [[Int]] = []
    for step in scores.dropFirst() {
      let (pointers, next) = ViterbiStep.advance(best, emission: step, penalty: penalty)
      back.append(pointers)
      best = next
    }
    var state = argmax(best)
    var path = [state]
    for pointers in back.reversed() {
      state = pointers[state]
      path.append(state)
    }
    return path.reversed()
  }
}

/// One step of Viterbi decoding with a uniform switching penalty.
enum ViterbiStep {
  /// For each state, the best predecessor and the best score of a path ending there.
  static func advance(
    _ previous: [Double], emission: [Double], penalty: Double
  ) -> (pointers: [Int], scores: [Double]) {
    let leader = SegmentSmoother.argmax(previous)
    let switched = previous[leader] - penalty
    var pointers: [Int] = []
    var scores: [Double] = []
    pointers.reserveCapacity(previous.count)
    scores.reserveCapacity(previous.count)
    for state in previous.indices {
      let stay = previous[state]
      let (from, score) = stay >= switched ? (state, stay) : (leader, switched)
      pointers.append(from)
      scores.append(score + emission[state])
    }
    return (pointers, scores)
  }
}
