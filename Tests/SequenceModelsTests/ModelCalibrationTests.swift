import Foundation
import SequenceModels
import Testing

@Suite struct ModelCalibrationTests {
  @Test func thresholdKeepsTheTargetShareOfKnownScores() throws {
    let scores = (1...100).map { Float($0) / 100 }
    let threshold = try #require(
      RejectionThreshold.calibrated(scores: scores.shuffled(), targetTPR: 0.95, source: "test"))
    // The five lowest of a hundred fall below it, the other 95 stay at or above.
    #expect(threshold.threshold == 0.06)
    #expect(threshold.calibrationTPR == 0.95)
    #expect(threshold.score == "max-probability")
    #expect(RejectionThreshold.calibrated(scores: [], targetTPR: 0.95, source: "none") == nil)
  }

  @Test func calibrationIsSavedAndLoadedWithTheModel() throws {
    let folder = try ModelFileTests.scratch()
    defer { try? FileManager.default.removeItem(at: folder) }
    let calibration = ModelCalibration(
      clipSeconds: 6.5,
      rejection: RejectionThreshold(
        threshold: 0.42, targetTPR: 0.95, calibrationTPR: 0.951, source: "out-of-fold"))
    let model = try ModelFileTests.model(.linear).withCalibration(calibration)
    let url = folder.appendingPathComponent("calibrated.vidi")
    try model.save(to: url)
    let loaded = try TrainedModel.load(from: url)
    #expect(loaded.calibration == calibration)
    #expect(loaded == model)
  }

  @Test func modelsWithoutCalibrationStillLoad() throws {
    let folder = try ModelFileTests.scratch()
    defer { try? FileManager.default.removeItem(at: folder) }
    let url = folder.appendingPathComponent("plain.vidi")
    try ModelFileTests.model(.linear).save(to: url)
    let config = try String(contentsOf: url.appendingPathComponent("config.json"), encoding: .utf8)
    #expect(!config.contains("calibration"))
    #expect(try TrainedModel.load(from: url).calibration == nil)
  }

  @Test func featureRejectionScoresByTheNearestClassMean() throws {
    let rejection = try #require(
      FeatureRejection.calibrated(
        classMeans: [[1, 0], [0, 2]], scores: [0.9, 1, 0.8, 1], targetTPR: 0.75, source: "test"))
    #expect(rejection.threshold == 0.9)
    #expect(abs(rejection.spread - 0.0829) < 1e-3)
    #expect(rejection.score(mean: [3, 0]) == 1)
    #expect(abs(rejection.score(mean: [1, 1]) - Float(0.5).squareRoot()) < 1e-6)
    #expect(rejection.score(mean: [0, 0]) == 0)
    // Rows past `length` are padding and do not count.
    #expect(rejection.score(features: [0, 5, 9, 9], length: 1) == 1)
  }

  @Test func aFeatureRejectionThatDoesNotFitTheModelIsRejectedAtLoad() throws {
    let folder = try ModelFileTests.scratch()
    defer { try? FileManager.default.removeItem(at: folder) }
    let url = folder.appendingPathComponent("bad-means.vidi")
    let model = try ModelFileTests.model(.linear)
    let bad = ModelCalibration(
      featureRejection: FeatureRejection(
        classMeans: [[1, 2]], threshold: 0.9, spread: 0.1, targetTPR: 0.95, calibrationTPR: 0.95,
        source: "test"))
    try model.withCalibration(bad).save(to: url)
    #expect {
      _ = try TrainedModel.load(from: url)
    } throws: { "\($0)".contains("calibration.featureRejection.classMeans") }
  }

  @Test func anImpossibleThresholdIsRejectedAtLoad() throws {
    let folder = try ModelFileTests.scratch()
    defer { try? FileManager.default.removeItem(at: folder) }
    let url = folder.appendingPathComponent("bad.vidi")
    let bad = ModelCalibration(
      rejection: RejectionThreshold(
        threshold: 1.5, targetTPR: 0.95, calibrationTPR: 1, source: "test"))
    try ModelFileTests.model(.linear).withCalibration(bad).save(to: url)
    #expect {
      _ = try TrainedModel.load(from: url)
    } throws: { "\($0)".contains("calibration.rejection.threshold") }
  }

  @Test func theWindowThresholdMaximisesYoudensJAveragedOverHeldOutClasses() throws {
    // At 0.5 the first held-out class keeps every known and lets 2 of 7 unknowns through
    // (J 5/7) and the second separates perfectly (J 1): mean 6/7, the best. 0.6 is no better
    // for the first and drops a known of the second; 0.4 lets more unknowns through.
    let heldOut = [
      WindowThreshold.HeldOut(
        known: [0.6, 0.7, 0.8, 0.9], unknown: [0.1, 0.2, 0.3, 0.4, 0.4, 0.6, 0.7]),
      WindowThreshold.HeldOut(known: [0.5, 0.6, 0.7, 0.8], unknown: [0.2, 0.3, 0.4]),
    ]
    let window = try #require(
      WindowThreshold.youden(heldOut, windowSeconds: 2, source: "test"))
    #expect(window.threshold == 0.5)
    #expect(abs(window.meanJ - 6.0 / 7) < 1e-9)
    #expect(window.knownAccepted == 1)
    #expect(abs(window.unknownRejected - 6.0 / 7) < 1e-9)
    #expect(window.windowSeconds == 2)
    // Equal J: the lowest threshold wins, keeping more knowns.
    let flat = try #require(
      WindowThreshold.youden(
        [WindowThreshold.HeldOut(known: [0.8, 0.9], unknown: [0.1, 0.2])], windowSeconds: 1,
        source: "test"))
    #expect(flat.threshold == 0.8)
    #expect(flat.meanJ == 1)
    // A held-out class without unknowns (or knowns) says nothing.
    #expect(
      WindowThreshold.youden(
        [WindowThreshold.HeldOut(known: [0.5], unknown: [])], windowSeconds: 1, source: "test")
        == nil)
  }

  @Test func featureRejectionForWindowsTakesTheWindowThreshold() throws {
    var rejection = FeatureRejection(
      classMeans: [[1, 0], [0, 1]], threshold: 0.6, spread: 0.1, targetTPR: 0.95,
      calibrationTPR: 0.95, source: "test")
    #expect(rejection.forWindows == rejection)
    rejection.window = WindowThreshold(
      threshold: 0.7, windowSeconds: 4, meanJ: 0.3, knownAccepted: 0.8, unknownRejected: 0.5,
      source: "test")
    #expect(rejection.forWindows.threshold == 0.7)
    #expect(rejection.forWindows.classMeans == rejection.classMeans)
    #expect(rejection.threshold == 0.6)
  }

  @Test func anImpossibleWindowThresholdIsRejectedAtLoad() throws {
    let folder = try ModelFileTests.scratch()
    defer { try? FileManager.default.removeItem(at: folder) }
    let url = folder.appendingPathComponent("bad-window.vidi")
    let model = try ModelFileTests.model(.linear)
    let bad = ModelCalibration(
      featureRejection: FeatureRejection(
        classMeans: Array(
          repeating: Array(repeating: 1, count: model.featureDimension),
          count: model.classes.count),
        threshold: 0.9, spread: 0.1, targetTPR: 0.95, calibrationTPR: 0.95, source: "test",
        window: WindowThreshold(
          threshold: 2, windowSeconds: 4, meanJ: 0.3, knownAccepted: 0.8, unknownRejected: 0.5,
          source: "test")))
    try model.withCalibration(bad).save(to: url)
    #expect {
      _ = try TrainedModel.load(from: url)
    } throws: { "\($0)".contains("calibration.featureRejection.window.threshold") }
  }
}
