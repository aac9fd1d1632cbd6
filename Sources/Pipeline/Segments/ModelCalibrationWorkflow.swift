import Foundation
import SequenceModels
import VideoIO

/// Measures, after training, what `ModelCalibration` records: the training clips' median
/// length, the maximum-probability rejection threshold from predictions on clips each
/// predicting model did not train on, and the feature-space rejection: class means, a
/// threshold on clips the means were not computed from, and one for windows of a long video
/// set by leaving classes out (`WindowCalibration`).
public enum ModelCalibrationWorkflow {
  /// The share of known-class clips the rejection threshold keeps.
  public static let targetTPR = 0.95

  /// `model` with its calibration. The threshold is set on the validation clips' predictions
  /// when `set` has some; otherwise on out-of-fold predictions: `model`'s own training config
  /// refit on `folds` - 1 folds of the training clips and applied to the fold left out (the
  /// same folds cross-validation used, for the same seed). `clips` are the training videos,
  /// whose headers give their lengths.
  public static func calibrate(
    _ model: TrainedModel, set: TrainingSet, clips: [Clip], folds: Int, seed: UInt64
  ) throws -> TrainedModel {
    let rejection = try rejectionThreshold(model, set: set, folds: folds, seed: seed)
    let durations = durations(of: clips)
    let clipSeconds = median(Array(durations.values))
    return model.withCalibration(
      ModelCalibration(
        clipSeconds: clipSeconds, rejection: rejection,
        featureRejection: try featureRejection(
          set: set, folds: folds, seed: seed, durations: durations,
          windowSeconds: clipSeconds ?? WindowPlan.defaultWindowSeconds)))
  }

  /// Class means of the training clips (their original views; the extra views would only
  /// mirror them) and a threshold on the class-mean cosine of clips left out of the means: the
  /// validation clips when there are some, else each cross-validation fold's clips against the
  /// other folds' means; and the threshold for windows of `windowSeconds` (`WindowCalibration`,
  /// on the same known clips). `durations` are the clips' lengths in seconds by path. Nil when
  /// some class has no clip to average.
  static func featureRejection(
    set: TrainingSet, folds: Int, seed: UInt64, durations: [String: Double] = [:],
    windowSeconds: Double = WindowPlan.defaultWindowSeconds
  ) throws -> FeatureRejection? {
    let data = set.training
    let originals = Array(0..<(data.clips.count - set.extraViews))
    guard let means = classMeans(data, clips: originals) else { return nil }
    if !set.validation.clips.isEmpty {
      let scores = set.validation.clips.map { score($0, means: means) }
      var rejection = FeatureRejection.calibrated(
        classMeans: means, scores: scores, targetTPR: targetTPR,
        source: "validation clips, \(scores.count) clips")
      rejection?.window = validationWindowThreshold(
        set: set, durations: durations, windowSeconds: windowSeconds)
      return rejection
    }
    let plan = try CrossValidation.folds(
      labels: data.clips.map(\.label), groups: data.clips.map(\.group), classes: data.classes,
      k: folds, seed: seed)
    var scores: [Float] = []
    var known: [(scored: [Int], meansFrom: [Int])] = []
    for (index, held) in plan.folds.enumerated() {
      let training = plan.training(index, count: data.clips.count).filter { $0 < originals.count }
      let scored = held.filter { $0 < originals.count }
      // A class whose clips all fell in this fold has no mean to be near; its clips are then
      // scored against the others', as an unseen class would be.
      let foldMeans = classMeans(data, clips: training, allowMissing: true) ?? []
      scores += scored.map { score(data.clips[$0], means: foldMeans) }
      known.append((scored, training))
    }
    var rejection = FeatureRejection.calibrated(
      classMeans: means, scores: scores, targetTPR: targetTPR,
      source: "out-of-fold clips, \(plan.folds.count) folds, \(scores.count) clips")
    rejection?.window = WindowCalibration.threshold(
      data: data, originals: originals,
      durations: clipDurations(set.trainingPaths, durations), windowSeconds: windowSeconds,
      known: known, description: "\(plan.folds.count) folds")
    return rejection
  }

  /// The window threshold with validation clips as the known windows: the validation set is
  /// appended to the training clips so one dataset holds both.
  private static func validationWindowThreshold(
    set: TrainingSet, durations: [String: Double], windowSeconds: Double
  ) -> WindowThreshold? {
    var data = set.training
    let originals = Array(0..<(data.clips.count - set.extraViews))
    let first = data.clips.count
    data.clips += set.validation.clips
    let validation = Array(first..<data.clips.count)
    var byIndex = clipDurations(set.trainingPaths, durations)
    for (offset, path) in set.validationPaths.enumerated() {
      byIndex[first + offset] = durations[path]
    }
    return WindowCalibration.threshold(
      data: data, originals: originals, durations: byIndex, windowSeconds: windowSeconds,
      known: [(validation, originals)], description: "validation clips")
  }

  /// `durations` by position in `paths`.
  private static func clipDurations(
    _ paths: [String], _ durations: [String: Double]
  ) -> [Int: Double] {
    var byIndex: [Int: Double] = [:]
    for (index, path) in paths.enumerated() { byIndex[index] = durations[path] }
    return byIndex
  }

  /// Each clip's duration by its dataset path, where the index or the header gives one.
  static func durations(of clips: [Clip]) -> [String: Double] {
    var durations: [String: Double] = [:]
    for clip in clips {
      if let duration = duration(of: clip) { durations[clip.path] = duration }
    }
    return durations
  }

  /// A clip's duration from the index when probed, else the file header; nil when unknown.
  static func duration(of clip: Clip) -> Double? {
    let duration = clip.info?.duration ?? (try? VideoReader.info(of: clip.url))?.duration
    return duration.flatMap { $0 > 0 && $0.isFinite ? $0 : nil }
  }

  /// The mean of each class's clips' mean frame features among `clips`, in class order; nil
  /// when a class has none, unless `allowMissing` (which leaves it out).
  static func classMeans(
    _ data: SequenceDataset, clips: [Int], allowMissing: Bool = false
  ) -> [[Float]]? {
    let dimension = data.featureDimension
    var sums = Array(repeating: [Float](repeating: 0, count: dimension), count: data.classes.count)
    var counts = Array(repeating: 0, count: data.classes.count)
    for index in clips {
      let clip = data.clips[index]
      let mean = FeatureRejection.meanRow(clip.features, length: clip.length, dimension: dimension)
      for column in 0..<dimension { sums[clip.label][column] += mean[column] }
      counts[clip.label] += 1
    }
    guard allowMissing || !counts.contains(0) else { return nil }
    return zip(sums, counts).compactMap { sum, count in
      count == 0 ? nil : sum.map { $0 / Float(count) }
    }
  }

  static func score(_ clip: SequenceClip, means: [[Float]]) -> Float {
    FeatureRejection.nearestCosine(
      FeatureRejection.meanRow(
        clip.features, length: clip.length, dimension: means.first?.count ?? 0),
      to: means)
  }

  /// The median of the clips' durations (from the index when probed, else the file header),
  /// ignoring clips whose length is unknown; nil when none is known.
  public static func medianDuration(_ clips: [Clip]) -> Double? {
    median(clips.compactMap(duration(of:)))
  }

  static func median(_ values: [Double]) -> Double? {
    let durations = values.sorted()
    guard !durations.isEmpty else { return nil }
    let middle = durations.count / 2
    return durations.count % 2 == 1
      ? durations[middle] : (durations[middle - 1] + durations[middle]) / 2
  }

  static func rejectionThreshold(
    _ model: TrainedModel, set: TrainingSet, folds: Int, seed: UInt64
  ) throws -> RejectionThreshold? {
    if !set.validation.clips.isEmpty {
      let scores = try model.predict(set.validation.clips).map { $0.max() ?? 0 }
      return RejectionThreshold.calibrated(
        scores: scores, targetTPR: targetTPR,
        source: "validation predictions, \(scores.count) clips")
    }
    let data = set.training
    let originals = data.clips.count - set.extraViews
    let plan = try CrossValidation.folds(
      labels: data.clips.map(\.label), groups: data.clips.map(\.group), classes: data.classes,
      k: folds, seed: seed)
    var scores: [Float] = []
    for (index, held) in plan.folds.enumerated() {
      let scored = held.filter { $0 < originals }
      guard !scored.isEmpty else { continue }
      // An ensemble's score is its members' averaged probabilities, so each fold trains every
      // member's configuration.
      let members = try model.ensembleMembers.map { member in
        try Trainer.train(
          data.subset(plan.training(index, count: data.clips.count)),
          validation: .dataset(data.subset([]), description: "calibration fold \(index + 1)"),
          config: member.training.config)
      }
      let fold = try members[0].ensembled(with: Array(members.dropFirst()))
      scores += try fold.predict(data.subset(scored).clips).map { $0.max() ?? 0 }
    }
    return RejectionThreshold.calibrated(
      scores: scores, targetTPR: targetTPR,
      source: "out-of-fold predictions, \(plan.folds.count) folds, \(scores.count) clips")
  }
}
