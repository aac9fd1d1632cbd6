import Foundation
import SequenceModels
import VideoIO

/// Measures, after training, what `ModelCalibration` records: the training clips' median
/// length, the maximum-probability rejection threshold from predictions on clips each
/// predicting model did not train on, and the feature-space rejection: class means and a
/// threshold on clips the means were not computed from.
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
    return model.withCalibration(
      ModelCalibration(
        clipSeconds: medianDuration(clips), rejection: rejection,
        featureRejection: try featureRejection(set: set, folds: folds, seed: seed)))
  }

  /// Class means of the training clips (their original views; the extra views would only
  /// mirror them) and a threshold on the class-mean cosine of clips left out of the means: the
  /// validation clips when there are some, else each cross-validation fold's clips against the
  /// other folds' means. Nil when some class has no clip to average.
  static func featureRejection(
    set: TrainingSet, folds: Int, seed: UInt64
  ) throws -> FeatureRejection? {
    let data = set.training
    let originals = Array(0..<(data.clips.count - set.extraViews))
    guard let means = classMeans(data, clips: originals) else { return nil }
    if !set.validation.clips.isEmpty {
      let scores = set.validation.clips.map { score($0, means: means) }
      return FeatureRejection.calibrated(
        classMeans: means, scores: scores, targetTPR: targetTPR,
        source: "validation clips, \(scores.count) clips")
    }
    let plan = try CrossValidation.folds(
      labels: data.clips.map(\.label), groups: data.clips.map(\.group), classes: data.classes,
      k: folds, seed: seed)
    var scores: [Float] = []
    for (index, held) in plan.folds.enumerated() {
      let training = plan.training(index, count: data.clips.count).filter { $0 < originals.count }
      // A class whose clips all fell in this fold has no mean to be near; its clips are then
      // scored against the others', as an unseen class would be.
      let foldMeans = classMeans(data, clips: training, allowMissing: true) ?? []
      scores += held.filter { $0 < originals.count }.map { score(data.clips[$0], means: foldMeans) }
    }
    return FeatureRejection.calibrated(
      classMeans: means, scores: scores, targetTPR: targetTPR,
      source: "out-of-fold clips, \(plan.folds.count) folds, \(scores.count) clips")
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
    let durations =
      clips.compactMap { clip -> Double? in
        let duration = clip.info?.duration ?? (try? VideoReader.info(of: clip.url))?.duration
        return duration.flatMap { $0 > 0 && $0.isFinite ? $0 : nil }
      }
      .sorted()
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
