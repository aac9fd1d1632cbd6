import Foundation
import Pipeline
import Reporting
import SequenceModels
import Testing

/// Two classes of clips whose frames lie around `a` and `b`, a linear model trained on them
/// and calibrated as `vidi train` calibrates, and a clip far out along `a - b`: the linear
/// head is surer of "a" there than on a's own clips, yet it is unlike every training clip.
struct OpenSetFixture {
  static let frames = 4
  static let a: [Float] = [4, 1, 1, 1, 1, 1, 1, 1]
  static let b: [Float] = [1, 4, 1, 1, 1, 1, 1, 1]

  let model: TrainedModel

  init() throws {
    let clips = SyntheticClips.aroundCentres(
      [("a", Self.a), ("b", Self.b)], clipsPerClass: 24, groups: 6, frames: Self.frames, seed: 3)
    let set = try TrainingSet(clips: clips, validationFraction: 0, seed: 1)
    let trained = try TrainingWorkflow.train(
      set, provenance: nil, options: TrainingOptions(model: .model(.linear), validationFraction: 0))
    let calibrated = try ModelCalibrationWorkflow.calibrate(
      trained, set: set, clips: [], folds: 3, seed: 1)
    // On so easy a task the calibrated maximum-probability threshold rounds to 1 in Float
    // precision; a plainer one keeps the tests about the feature score.
    var calibration = try #require(calibrated.calibration)
    #expect(calibration.rejection != nil)
    calibration.rejection?.threshold = Self.probabilityThreshold
    model = calibrated.withCalibration(calibration)
  }

  static let probabilityThreshold: Float = 0.6

  /// A clip whose every frame is `centre`.
  static func clip(_ centre: [Float]) -> SequenceClip {
    SequenceClip(
      features: Array((0..<frames).map { _ in centre }.joined()), length: frames, label: 0)
  }

  /// Far beyond a, away from b: `a + 3 (a - b)`.
  static var outlier: [Float] { zip(a, b).map { $0 + 3 * ($0 - $1) } }

  /// A window over `centre`'s clip, as the segment engine reports it.
  func window(_ centre: [Float], at index: Int) throws -> WindowPrediction {
    let probabilities = try model.predict([Self.clip(centre)])[0]
    let best = probabilities[0] >= probabilities[1] ? 0 : 1
    return WindowPrediction(
      start: Double(index), end: Double(index + 1), startFrame: index * 10,
      endFrame: index * 10 + 9, label: model.classes[best], confidence: probabilities[best],
      probabilities: probabilities,
      featureScore: model.calibration?.featureRejection?.score(
        features: Self.clip(centre).features, length: Self.frames))
  }
}

@Suite struct FeatureRejectionTests {
  @Test func trainingCalibratesClassMeansAndAThresholdOnHeldOutClips() throws {
    let model = try OpenSetFixture().model
    let rejection = try #require(model.calibration?.featureRejection)
    #expect(rejection.score == FeatureRejection.classMeanCosine)
    #expect(rejection.classMeans.count == 2)
    for (mean, centre) in zip(rejection.classMeans, [OpenSetFixture.a, OpenSetFixture.b]) {
      #expect(zip(mean, centre).allSatisfy { abs($0 - $1) < 0.15 })
    }
    #expect(rejection.calibrationTPR >= 0.95)
    #expect(rejection.source.contains("out-of-fold"))
    // Known clips lie close to their class's mean; the threshold sits just under them.
    #expect(rejection.threshold > 0.95 && rejection.threshold < 1)
    #expect(rejection.spread > 0 && rejection.spread < 0.05)
  }

  @Test func theFeatureScoreRejectsWhatTheMaximumProbabilityAccepts() throws {
    let fixture = try OpenSetFixture()
    let model = fixture.model
    let rejection = try #require(model.calibration?.featureRejection)
    let maxProbability = try #require(model.calibration?.rejection?.threshold)
    let known = try model.predict([OpenSetFixture.clip(OpenSetFixture.a)])[0]
    let outlier = try model.predict([OpenSetFixture.clip(OpenSetFixture.outlier)])[0]
    // The linear head is surer of the outlier than of a's own centre...
    #expect(outlier[0] > known[0])
    #expect(outlier[0] >= maxProbability)
    // ...but it is far from every class mean.
    #expect(rejection.score(mean: OpenSetFixture.a) >= rejection.threshold)
    #expect(rejection.score(mean: OpenSetFixture.outlier) < rejection.threshold)

    let prediction = Prediction(
      video: "outlier.mp4",
      predictions: [LabelProbability(label: "a", probability: outlier[0])])
    var scored = prediction
    scored.featureScore = rejection.score(mean: OpenSetFixture.outlier)
    #expect(scored.rejecting(.maxProbability(maxProbability)).rejection == nil)
    #expect(scored.rejecting(.features(rejection, probabilityFloor: nil)).rejection != nil)
    let rejected = try #require(scored.rejecting(RejectOption.auto.rule(for: model)).rejection)
    #expect(rejected.method == FeatureRejection.classMeanCosine)
    #expect(rejected.threshold == rejection.threshold)
    #expect(scored.rejecting(RejectOption.none.rule(for: model)) == scored)
    // Without a feature score (a caller that did not compute one) only the probability floor
    // applies.
    #expect(prediction.rejecting(.features(rejection, probabilityFloor: nil)) == prediction)
    // A known clip the head is unsure of is rejected by the floor.
    var torn = Prediction(
      video: "torn.mp4", predictions: [LabelProbability(label: "a", probability: 0.5)])
    torn.featureScore = rejection.score(mean: OpenSetFixture.a)
    #expect(torn.rejecting(.features(rejection, probabilityFloor: nil)).rejection == nil)
    #expect(torn.rejecting(RejectOption.auto.rule(for: model)).rejection?.score == 0.5)
  }

  @Test func segmentsOfTheOutlierAreBackgroundUnderTheFeatureRule() throws {
    let fixture = try OpenSetFixture()
    let model = fixture.model
    let centres =
      Array(repeating: OpenSetFixture.a, count: 3)
      + Array(repeating: OpenSetFixture.outlier, count: 3)
      + Array(repeating: OpenSetFixture.b, count: 3)
    let windows = try centres.enumerated().map { try fixture.window($1, at: $0) }
    let featureRule = try #require(RejectOption.auto.rule(for: model))
    let maxProbability = try #require(model.calibration?.rejection?.threshold)
    for smoothing in [Smoothing.none, .viterbi(switchPenalty: 1)] {
      let byFeatures = SegmentSmoother(
        classes: model.classes, rejection: featureRule, smoothing: smoothing)
      #expect(
        byFeatures.segments(windows, duration: 9, frameRate: 10).map(\.label)
          == ["a", Segment.background, "b"])
      let byProbability = SegmentSmoother(
        classes: model.classes, rejection: .maxProbability(maxProbability), smoothing: smoothing)
      #expect(
        byProbability.segments(windows, duration: 9, frameRate: 10).map(\.label) == ["a", "b"])
    }
  }

  @Test func theRuleAndScoresSurviveSavingAndLoading() throws {
    let folder = try SyntheticClips.scratch()
    defer { try? FileManager.default.removeItem(at: folder) }
    let model = try OpenSetFixture().model
    let url = folder.appendingPathComponent("open-set.vidi")
    try model.save(to: url)
    let loaded = try TrainedModel.load(from: url)
    #expect(loaded.calibration == model.calibration)
    let rejection = try #require(loaded.calibration?.featureRejection)
    #expect(
      RejectOption.auto.rule(for: loaded)
        == .features(rejection, probabilityFloor: loaded.calibration?.rejection?.threshold))
    #expect(RejectOption.threshold(0.7).rule(for: loaded) == .maxProbability(0.7))
    #expect(RejectOption.none.rule(for: loaded) == nil)
  }

  @Test func aModelWithoutTheFeatureRuleFallsBackToTheMaximumProbability() throws {
    let folder = try SyntheticClips.scratch()
    defer { try? FileManager.default.removeItem(at: folder) }
    let fixture = try OpenSetFixture()
    var calibration = try #require(fixture.model.calibration)
    calibration.featureRejection = nil
    let old = fixture.model.withCalibration(calibration)
    let url = folder.appendingPathComponent("old.vidi")
    try old.save(to: url)
    let config = try String(contentsOf: url.appendingPathComponent("config.json"), encoding: .utf8)
    #expect(!config.contains("featureRejection"))
    let loaded = try TrainedModel.load(from: url)
    let threshold = try #require(loaded.calibration?.rejection?.threshold)
    #expect(RejectOption.auto.rule(for: loaded) == .maxProbability(threshold))
    let window = try fixture.window(OpenSetFixture.a, at: 0)
    var plain = window
    plain.featureScore = nil
    let smoother = SegmentSmoother(
      classes: loaded.classes, rejection: RejectOption.auto.rule(for: loaded), smoothing: .none)
    #expect(smoother.segments([plain], duration: 1, frameRate: 10).map(\.label) == ["a"])
  }
}
