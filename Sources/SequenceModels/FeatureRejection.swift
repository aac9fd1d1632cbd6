/// "None of these" judged in feature space: a clip is scored by the cosine similarity of its
/// mean frame feature to the nearest training class's mean feature, and rejected below a
/// threshold set like the maximum-probability one (for a target share of known clips kept, on
/// clips the class means were not computed from).
///
/// The maximum probability of a linear head says how far a clip lies from the decision
/// boundaries, not from the training data: a clip unlike every class can still fall deep in
/// one class's half-space. Leaving each ucf101-dev class out in turn, the class-mean cosine
/// separates known from unknown test clips better (`bench/segments`, README).
///
/// Stored as the optional `calibration.featureRejection` object; models without it fall back
/// to the maximum probability.
public struct FeatureRejection: Sendable, Codable, Hashable {
  /// The score thresholded: "class-mean-cosine".
  public var score: String
  /// One mean feature (raw backbone features, averaged over a clip's real frames and then over
  /// the class's training clips) per class, in the model's class order.
  public var classMeans: [[Float]]
  /// Clips scoring below it are "none of these".
  public var threshold: Float
  /// The standard deviation of the calibration clips' scores: how far below the threshold a
  /// score must be to count as one unit of evidence for "none of these" when smoothing.
  public var spread: Float
  /// The share of known-class clips meant to be accepted, e.g. 0.95.
  public var targetTPR: Double
  /// The share of the calibration clips actually at or above the threshold.
  public var calibrationTPR: Double
  /// Which clips the threshold was set on, e.g. "out-of-fold, 5 folds, 285 clips".
  public var source: String
  /// The threshold for windows of a long video, when calibrated (models trained before it
  /// existed have none and use `threshold` for windows too).
  public var window: WindowThreshold?

  public static let classMeanCosine = "class-mean-cosine"

  public init(
    classMeans: [[Float]], threshold: Float, spread: Float, targetTPR: Double,
    calibrationTPR: Double, source: String, window: WindowThreshold? = nil
  ) {
    score = Self.classMeanCosine
    self.classMeans = classMeans
    self.threshold = threshold
    self.spread = spread
    self.targetTPR = targetTPR
    self.calibrationTPR = calibrationTPR
    self.source = source
    self.window = window
  }

  /// The rule as windows of a long video apply it: `window`'s threshold when there is one.
  public var forWindows: FeatureRejection {
    guard let window else { return self }
    var copy = self
    copy.threshold = window.threshold
    return copy
  }

  /// The score of a clip whose mean frame feature is `mean`: its largest cosine similarity to
  /// a class mean, in -1...1 (0 for an all-zero feature).
  public func score(mean: [Float]) -> Float {
    Self.nearestCosine(mean, to: classMeans)
  }

  /// The score of `frames × dimension` features of which the first `length` rows are real.
  public func score(features: [Float], length: Int) -> Float {
    score(mean: Self.meanRow(features, length: length, dimension: classMeans.first?.count ?? 0))
  }

  /// The mean of the first `length` rows of `dimension` values each.
  public static func meanRow(_ features: [Float], length: Int, dimension: Int) -> [Float] {
    guard dimension > 0, length > 0 else { return Array(repeating: 0, count: dimension) }
    var mean = [Float](repeating: 0, count: dimension)
    for row in 0..<length {
      for column in 0..<dimension { mean[column] += features[row * dimension + column] }
    }
    let scale = 1 / Float(length)
    return mean.map { $0 * scale }
  }

  /// The largest cosine similarity of `vector` to one of `means`.
  public static func nearestCosine(_ vector: [Float], to means: [[Float]]) -> Float {
    let norm = vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
    guard norm > 0 else { return 0 }
    return means.map { mean -> Float in
      let meanNorm = mean.reduce(0) { $0 + $1 * $1 }.squareRoot()
      guard meanNorm > 0 else { return 0 }
      return zip(vector, mean).reduce(0) { $0 + $1.0 * $1.1 } / (norm * meanNorm)
    }.max() ?? 0
  }

  /// The rejection for class means `classMeans` whose threshold keeps at least `targetTPR` of
  /// `scores` (known clips scored against means not computed from them); nil without scores.
  public static func calibrated(
    classMeans: [[Float]], scores: [Float], targetTPR: Double, source: String
  ) -> FeatureRejection? {
    guard
      let cut = RejectionThreshold.calibrated(
        scores: scores, targetTPR: targetTPR, source: source)
    else { return nil }
    let mean = scores.reduce(0, +) / Float(scores.count)
    let variance = scores.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Float(scores.count)
    return FeatureRejection(
      classMeans: classMeans, threshold: cut.threshold,
      spread: max(variance.squareRoot(), Self.smallestSpread), targetTPR: targetTPR,
      calibrationTPR: cut.calibrationTPR, source: source)
  }

  /// A floor for `spread`, so identical calibration scores do not make evidence infinite.
  public static let smallestSpread: Float = 1e-3

  /// The first value no rejection Vidi writes could hold for `classes` classes of `dimension`
  /// features, described; nil when it is valid.
  public func problem(classes: Int, dimension: Int) -> String? {
    let prefix = "calibration.featureRejection"
    guard score == Self.classMeanCosine else { return "\(prefix).score \"\(score)\" unknown" }
    guard classMeans.count == classes, classMeans.allSatisfy({ $0.count == dimension }) else {
      return "\(prefix).classMeans must be \(classes) rows of \(dimension) values"
    }
    if classMeans.contains(where: { $0.contains { !$0.isFinite } }) {
      return "\(prefix).classMeans holds a value that is not finite"
    }
    guard (-1...1).contains(threshold) else {
      return "\(prefix).threshold \(threshold) outside -1...1"
    }
    guard spread.isFinite, spread > 0 else { return "\(prefix).spread \(spread) not positive" }
    if let window, !(-1...1).contains(window.threshold) {
      return "\(prefix).window.threshold \(window.threshold) outside -1...1"
    }
    return nil
  }
}

/// The class-mean cosine threshold for windows of a long video, set by leaving classes out.
///
/// A share of known clips kept (`FeatureRejection.threshold`) says nothing about unknowns, and
/// on windows it proved permissive: on the bench's long videos half or more of the background
/// windows passed it. Here each training class in turn plays the unknown: its windows are
/// scored against the other classes' means, the other classes' windows against means without
/// their own fold, and the threshold is the one that best separates the two, by Youden's J
/// (true-positive rate minus false-positive rate) averaged over the held-out classes.
public struct WindowThreshold: Sendable, Codable, Hashable {
  public var threshold: Float
  /// The window length the training clips were cut into, in seconds.
  public var windowSeconds: Double
  /// Youden's J at `threshold`, averaged over the held-out classes.
  public var meanJ: Double
  /// The share of known windows at or above `threshold` (averaged over held-out classes).
  public var knownAccepted: Double
  /// The share of held-out-class windows below it (averaged over held-out classes).
  public var unknownRejected: Double
  /// How it was set, e.g. "leave-one-class-out, 8 classes, 5 folds, 2411 windows".
  public var source: String

  public init(
    threshold: Float, windowSeconds: Double, meanJ: Double, knownAccepted: Double,
    unknownRejected: Double, source: String
  ) {
    self.threshold = threshold
    self.windowSeconds = windowSeconds
    self.meanJ = meanJ
    self.knownAccepted = knownAccepted
    self.unknownRejected = unknownRejected
    self.source = source
  }

  /// Known and unknown scores of one held-out class: the windows of the other classes, and
  /// the held-out class's own windows.
  public struct HeldOut: Sendable, Hashable {
    public var known: [Float]
    public var unknown: [Float]

    public init(known: [Float], unknown: [Float]) {
      self.known = known
      self.unknown = unknown
    }
  }

  /// The threshold among the scores that maximises Youden's J averaged over `heldOut` (the
  /// lowest of equals, so knowns are not given up for nothing); nil when no held-out class
  /// has both known and unknown scores.
  public static func youden(
    _ heldOut: [HeldOut], windowSeconds: Double, source: String
  ) -> WindowThreshold? {
    let usable = heldOut.filter { !$0.known.isEmpty && !$0.unknown.isEmpty }
      .map { (known: $0.known.sorted(), unknown: $0.unknown.sorted()) }
    guard !usable.isEmpty else { return nil }
    let candidates = Set(usable.flatMap { $0.known + $0.unknown }).sorted()
    var best: (threshold: Float, j: Double, known: Double, unknown: Double)?
    for candidate in candidates {
      let known = usable.map { share($0.known, atLeast: candidate) }.reduce(0, +)
      let unknown = usable.map { share($0.unknown, atLeast: candidate) }.reduce(0, +)
      let j = (known - unknown) / Double(usable.count)
      if j > best?.j ?? -.infinity {
        best = (candidate, j, known / Double(usable.count), unknown / Double(usable.count))
      }
    }
    return best.map {
      WindowThreshold(
        threshold: $0.threshold, windowSeconds: windowSeconds, meanJ: $0.j,
        knownAccepted: $0.known, unknownRejected: 1 - $0.unknown, source: source)
    }
  }

  /// The share of `sorted` (ascending) at or above `value`.
  static func share(_ sorted: [Float], atLeast value: Float) -> Double {
    var low = 0
    var high = sorted.count
    while low < high {
      let middle = (low + high) / 2
      if sorted[middle] < value { low = middle + 1 } else { high = middle }
    }
    return Double(sorted.count - low) / Double(sorted.count)
  }
}
