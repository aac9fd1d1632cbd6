/// What a model learnt about its data besides its weights, for applying it beyond single
/// clips: how long its training clips were (the window a long video is read in) and where its
/// confidence stops meaning "one of my classes" (the rejection threshold).
///
/// Stored as the optional `calibration` object of `config.json`; models saved before it
/// existed load without one and callers fall back to defaults.
public struct ModelCalibration: Sendable, Codable, Equatable {
  /// The median duration of the training clips, in seconds: the clip length the model's
  /// frame sampling was spread over.
  public var clipSeconds: Double?
  public var rejection: RejectionThreshold?
  /// The feature-space rejection, preferred by `--reject auto` when present; models trained
  /// before it existed have only `rejection`.
  public var featureRejection: FeatureRejection?

  public init(
    clipSeconds: Double? = nil, rejection: RejectionThreshold? = nil,
    featureRejection: FeatureRejection? = nil
  ) {
    self.clipSeconds = clipSeconds
    self.rejection = rejection
    self.featureRejection = featureRejection
  }

  /// The longest clip length a model file may declare: an hour, far above any action clip.
  public static let clipSecondsLimit = 0.01...3600.0

  /// The first value no calibration Vidi writes could hold, described; nil when it is valid.
  public var problem: String? {
    if let clipSeconds, !Self.clipSecondsLimit.contains(clipSeconds) {
      return "calibration.clipSeconds \(clipSeconds) outside 0.01...3600"
    }
    if let rejection, !(0...1).contains(rejection.threshold) {
      return "calibration.rejection.threshold \(rejection.threshold) outside 0...1"
    }
    return nil
  }
}

/// A threshold on the model's maximum class probability below which an input is "none of
/// these": chosen on predictions for clips the model did not train on so that a share
/// `targetTPR` of known-class clips stays above it.
public struct RejectionThreshold: Sendable, Codable, Equatable {
  /// The score thresholded: "max-probability" (the only one: the models expose probabilities,
  /// not the logits an energy score needs).
  public var score: String
  public var threshold: Float
  /// The share of known-class clips meant to be accepted, e.g. 0.95.
  public var targetTPR: Double
  /// The share of the calibration clips actually at or above the threshold.
  public var calibrationTPR: Double
  /// Which predictions the threshold was set on, e.g. "out-of-fold, 5 folds, 285 clips".
  public var source: String

  public init(
    score: String = "max-probability", threshold: Float, targetTPR: Double,
    calibrationTPR: Double, source: String
  ) {
    self.score = score
    self.threshold = threshold
    self.targetTPR = targetTPR
    self.calibrationTPR = calibrationTPR
    self.source = source
  }

  /// The threshold that keeps at least `targetTPR` of `scores` (known-class clips' scores)
  /// at or above it; nil without scores.
  public static func calibrated(
    scores: [Float], targetTPR: Double, source: String
  ) -> RejectionThreshold? {
    guard !scores.isEmpty else { return nil }
    let sorted = scores.sorted()
    let rejected = Int((Double(sorted.count) * (1 - targetTPR)).rounded(.down))
    let threshold = sorted[min(max(rejected, 0), sorted.count - 1)]
    let accepted = sorted.count { $0 >= threshold }
    return RejectionThreshold(
      threshold: threshold, targetTPR: targetTPR,
      calibrationTPR: Double(accepted) / Double(sorted.count), source: source)
  }
}

extension TrainedModel {
  /// This model with `calibration` recorded.
  public func withCalibration(_ calibration: ModelCalibration?) -> TrainedModel {
    var copy = self
    copy.calibration = calibration
    return copy
  }
}
