import Foundation
import SequenceModels
import Testing

@testable import Pipeline

/// Three classes of clips whose frames lie around one axis each, a linear model trained on
/// them and calibrated as `vidi train` calibrates: holding any class out leaves its windows far
/// from the other two classes' means, so the window threshold can separate them completely.
struct ThreeClassFixture {
  static let dimension = 8
  static let frames = 6
  static let centres: [[Float]] = (0..<3).map { axis in
    (0..<dimension).map { $0 == axis ? 4 : 1 }
  }

  let set: TrainingSet
  let model: TrainedModel

  /// `validationFraction` of each class held out for validation (none: cross-validation).
  init(validationFraction: Double = 0) throws {
    let clips = SyntheticClips.aroundCentres(
      Array(zip(["a", "b", "c"], Self.centres)), clipsPerClass: 12, groups: 4,
      frames: Self.frames, seed: 5)
    set = try TrainingSet(clips: clips, validationFraction: validationFraction, seed: 1)
    let trained = try TrainingWorkflow.train(
      set, provenance: nil,
      options: TrainingOptions(model: .model(.linear), validationFraction: validationFraction))
    model = try ModelCalibrationWorkflow.calibrate(
      trained, set: set, clips: [], folds: 3, seed: 1)
  }
}

@Suite struct WindowCalibrationTests {
  @Test func aWindowSpansItsShareOfTheClipsSampledRows() {
    #expect(WindowCalibration.rows(length: 20, duration: 10, windowSeconds: 2.5) == 5)
    #expect(WindowCalibration.rows(length: 20, duration: 10, windowSeconds: 0.1) == 1)
    // A clip no longer than the window, or of unknown length, is one window: all of it.
    #expect(WindowCalibration.rows(length: 20, duration: 4, windowSeconds: 6) == 20)
    #expect(WindowCalibration.rows(length: 20, duration: nil, windowSeconds: 2) == 20)
  }

  @Test func windowMeansAverageEveryRunOfRowsAndIgnorePadding() {
    // Rows (1, 10), (2, 20), (3, 30) are real; the fourth is padding.
    let clip = SequenceClip(features: [1, 10, 2, 20, 3, 30, 99, 99], length: 3, label: 0)
    #expect(
      WindowCalibration.windowMeans(clip, dimension: 2, rows: 2) == [[1.5, 15], [2.5, 25]])
    #expect(WindowCalibration.windowMeans(clip, dimension: 2, rows: 3) == [[2, 20]])
    #expect(WindowCalibration.windowMeans(clip, dimension: 2, rows: 9) == [[2, 20]])
  }

  @Test func trainingSetsAWindowThresholdThatSeparatesHeldOutClasses() throws {
    let fixture = try ThreeClassFixture()
    let rejection = try #require(fixture.model.calibration?.featureRejection)
    let window = try #require(rejection.window)
    // Without clip lengths the window is the default one, and each clip is one window.
    #expect(window.windowSeconds == WindowPlan.defaultWindowSeconds)
    #expect(window.source.contains("leave-one-class-out, 3 classes, 3 folds"))
    #expect(window.meanJ == 1)
    #expect(window.knownAccepted == 1 && window.unknownRejected == 1)
    // A held-out class's clips score about cos(a, b) = 13/23 against the others' means; known
    // clips near 1. The threshold sits between, at the lowest known score.
    #expect(window.threshold > 0.9 && window.threshold < 1)
    let means = rejection.classMeans
    for (held, centre) in ThreeClassFixture.centres.enumerated() {
      let others = means.enumerated().filter { $0.offset != held }.map(\.element)
      #expect(FeatureRejection.nearestCosine(centre, to: others) < window.threshold)
      #expect(rejection.score(mean: centre) >= window.threshold)
    }
  }

  @Test func withValidationClipsTheyAreTheKnownWindows() throws {
    let fixture = try ThreeClassFixture(validationFraction: 0.25)
    #expect(!fixture.set.validation.clips.isEmpty)
    let window = try #require(fixture.model.calibration?.featureRejection?.window)
    #expect(window.source.contains("leave-one-class-out, 3 classes, validation clips"))
    #expect(window.meanJ == 1)
    #expect(window.threshold > 0.9 && window.threshold < 1)
  }

  @Test func windowsOfALongVideoUseTheWindowThresholdAndClipsTheirOwn() throws {
    let model = try ThreeClassFixture().model
    let rejection = try #require(model.calibration?.featureRejection)
    let window = try #require(rejection.window)
    let floor = model.calibration?.rejection?.threshold
    #expect(RejectOption.auto.rule(for: model) == .features(rejection, probabilityFloor: floor))
    guard
      case .features(let forWindows, let windowFloor) = RejectOption.auto.rule(
        for: model, windows: true)
    else {
      Issue.record("no feature rule for windows")
      return
    }
    #expect(forWindows.threshold == window.threshold)
    #expect(forWindows.classMeans == rejection.classMeans)
    #expect(windowFloor == floor)
    #expect(RejectOption.none.rule(for: model, windows: true) == nil)
    #expect(RejectOption.threshold(0.7).rule(for: model, windows: true) == .maxProbability(0.7))
  }

  @Test func theWindowThresholdIsSavedAndModelsWithoutOneStillLoad() throws {
    let folder = try SyntheticClips.scratch()
    defer { try? FileManager.default.removeItem(at: folder) }
    let model = try ThreeClassFixture().model
    let url = folder.appendingPathComponent("windows.vidi")
    try model.save(to: url)
    let loaded = try TrainedModel.load(from: url)
    #expect(loaded.calibration == model.calibration)
    #expect(loaded.calibration?.featureRejection?.window != nil)

    // A model saved before window thresholds existed: the same file without the field.
    let configURL = url.appendingPathComponent("config.json")
    var config = try #require(
      try JSONSerialization.jsonObject(with: Data(contentsOf: configURL)) as? [String: Any])
    var calibration = try #require(config["calibration"] as? [String: Any])
    var feature = try #require(calibration["featureRejection"] as? [String: Any])
    #expect(feature.removeValue(forKey: "window") != nil)
    calibration["featureRejection"] = feature
    config["calibration"] = calibration
    try JSONSerialization.data(withJSONObject: config).write(to: configURL)
    let old = try TrainedModel.load(from: url)
    let rejection = try #require(old.calibration?.featureRejection)
    #expect(rejection.window == nil)
    #expect(
      RejectOption.auto.rule(for: old, windows: true)
        == RejectOption.auto.rule(for: old, windows: false))
  }
}
