import Foundation
import Pipeline
import Reporting
import Testing

/// A clip decoded from one damaged frame used to be classified with no word about it.
@Suite struct FrameCoverageTests {
  /// Features of `requested` rows of which the first `real` hold frames with these indices.
  func features(requested: Int, indices: [Int]) -> CachedFeatures {
    let real = indices.count
    let padding = requested - real
    return CachedFeatures(
      frameCount: requested, dimension: 1, values: Array(repeating: 0.5, count: requested),
      mask: Array(repeating: true, count: real) + Array(repeating: false, count: padding),
      frameIndices: indices + Array(repeating: indices.last ?? 0, count: padding))
  }

  @Test func countsDistinctRealFramesAgainstTheRequestedOnes() {
    let one = FrameCoverage(features(requested: 16, indices: [0]))
    #expect(one == FrameCoverage(requested: 16, decoded: 1))
    #expect(one.isSparse)
    // A frame repeated for two sample points (timestamps skipping a slot) counts once.
    let repeated = FrameCoverage(features(requested: 4, indices: [0, 3, 3, 7]))
    #expect(repeated == FrameCoverage(requested: 4, decoded: 3))
    #expect(!repeated.isSparse)
    #expect(FrameCoverage(requested: 16, decoded: 8).isSparse == false)
    #expect(FrameCoverage(requested: 16, decoded: 7).isSparse)
  }

  @Test func aSparsePredictionWarnsInTextAndJSON() throws {
    var prediction = Prediction(
      video: "broken.avi", predictions: [LabelProbability(label: "walk", probability: 0.9)])
    prediction.sampledFrames = FrameCoverage(requested: 16, decoded: 1)
    let warning =
      "broken.avi: only 1 of the 16 frames requested could be decoded; the result rests on few "
      + "frames"
    #expect(prediction.warning == warning)
    #expect(
      prediction.text.split(separator: "\n")[1]
        == "  frames: 1 of 16 decoded (warning: under half; the result rests on few frames)")
    let json = try #require(
      try JSONSerialization.jsonObject(with: Prediction.jsonData([prediction])) as? [String: Any])
    #expect(json["sampled_frames"] as? [String: Int] == ["requested": 16, "decoded": 1])
    #expect(json["warning"] as? String == warning)
    let decoded = try JSONDecoder().decode(Prediction.self, from: Prediction.jsonData([prediction]))
    #expect(decoded == prediction)
  }

  @Test func aFullyDecodedPredictionAddsOnlyTheCountToJSON() throws {
    var prediction = Prediction(
      video: "good.avi", predictions: [LabelProbability(label: "walk", probability: 0.9)])
    prediction.sampledFrames = FrameCoverage(requested: 16, decoded: 16)
    #expect(prediction.warning == nil)
    #expect(prediction.text == "good.avi\n  walk: 90.00%")
    let json = try #require(
      try JSONSerialization.jsonObject(with: Prediction.jsonData([prediction])) as? [String: Any])
    #expect(json["sampled_frames"] as? [String: Int] == ["requested": 16, "decoded": 16])
    #expect(json["warning"] == nil)
  }
}
