import Foundation
import SequenceModels
import VideoIO

/// Measures, after training, what `ModelCalibration` records: the training clips' median
/// length, and the rejection threshold from predictions on clips each predicting model did not
/// train on.
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
      ModelCalibration(clipSeconds: medianDuration(clips), rejection: rejection))
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
