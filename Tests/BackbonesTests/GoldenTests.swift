import Backbones
import Foundation
import Testing

/// The reference fixtures: the float64 PyTorch outputs on the synthetic input.
struct Golden: Decodable {
  struct InputCheck: Decodable {
    var sum_float64_of_float32_values: Double
    var x_0_0_0_0: Double
    var x_0_1_100_50: Double
    var x_0_2_223_223: Double
    var min: Double
    var max: Double
  }

  var input_check: InputCheck
  var feature: [Double]
  var logits: [Double]?

  static func load(_ name: String) throws -> Golden {
    let url = try #require(
      Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Fixtures"))
    return try JSONDecoder().decode(Golden.self, from: Data(contentsOf: url))
  }
}

/// The reference files made by `scripts/make-golden-fixtures.py` for the larger Lite models,
/// read from the source tree (they ship as the Backbones module's resources).
struct ResourceGolden: Decodable {
  struct InputCheck: Decodable {
    var sum_float64_of_float32_values: Double
    var x_0_0_0_0: Double
    var x_0_2_last_last: Double
    var min: Double
    var max: Double
  }

  var input_size: Int
  var input_check: InputCheck
  var feature: [Double]
  var logits: [Double]
  var cat_crop_sum_0_255: Double
  var multiply_adds: Int

  static func load(_ backbone: BackboneID) throws -> ResourceGolden {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .appendingPathComponent("../../Sources/Backbones/Resources/golden-\(backbone.rawValue).json")
    return try JSONDecoder().decode(ResourceGolden.self, from: Data(contentsOf: url))
  }
}

@Suite struct GoldenTests {
  static let maxAbsolute = 1e-4
  static let relativeL2 = 2e-5

  @Test func syntheticFrameMatchesTheFixtureChecksums() throws {
    let check = try Golden.load("efficientnet_lite0_synthetic").input_check
    let frame = SyntheticFrame.values()
    // NHWC: x[c][h][w] sits at (h * 224 + w) * 3 + c.
    #expect(Double(frame[0]) == check.x_0_0_0_0)
    #expect(Double(frame[(100 * 224 + 50) * 3 + 1]) == check.x_0_1_100_50)
    #expect(Double(frame[(223 * 224 + 223) * 3 + 2]) == check.x_0_2_223_223)
    #expect(Double(frame.min()!) == check.min)
    #expect(Double(frame.max()!) == check.max)
    let sum = frame.reduce(0.0) { $0 + Double($1) }
    #expect(abs(sum - check.sum_float64_of_float32_values) < 1e-9)
  }

  /// With one thread every frame runs whole on one worker; with two, frames 0 and 1 run whole
  /// side by side and frame 2 is split across both workers: both paths, on any machine.
  static let threadCounts = [1, 2]

  @Test(
    arguments: [
      (BackboneID.mobilenetV2, "mobilenetv2_bottleneck_synthetic"),
      (BackboneID.efficientnetLite0, "efficientnet_lite0_synthetic"),
    ], threadCounts)
  func matchesReference(reference: (backbone: BackboneID, fixture: String), threads: Int) throws {
    let (backbone, fixture) = reference
    let golden = try Golden.load(fixture)
    let encoder = try FrameEncoder(
      backbone: backbone, checkpoint: TestWeights.url(backbone), threads: threads)
    let frame = SyntheticFrame.values()
    let encoding = encoder.encode(frames: frame + frame + frame, count: 3, input: .normalized)
    for index in 0..<3 {
      let error = VectorError(encoding.feature(index), reference: golden.feature)
      #expect(error.maxAbsolute <= Self.maxAbsolute, "feature of frame \(index): \(error)")
      #expect(error.relativeL2 <= Self.relativeL2, "feature of frame \(index): \(error)")
    }
    guard let expectedLogits = golden.logits else {
      #expect(encoding.logits == nil)
      return
    }
    let logits = try #require(encoding.logits(0))
    let error = VectorError(logits, reference: expectedLogits)
    #expect(error.maxAbsolute <= Self.maxAbsolute, "logits: \(error)")
    #expect(error.relativeL2 <= Self.relativeL2, "logits: \(error)")
    #expect(topIndices(Array(logits), k: 5) == topIndices(expectedLogits, k: 5))
    #expect(topIndices(expectedLogits, k: 5) == [906, 741, 398, 599, 766])
  }

  @Test(
    arguments: [
      (BackboneID.efficientnetLite1, [885, 906, 392, 854, 811]),
      (BackboneID.efficientnetLite2, [741, 906, 599, 772, 699]),
    ], threadCounts)
  func largerLiteModelMatchesReference(reference: (backbone: BackboneID, top5: [Int]), threads: Int)
    throws
  {
    let (backbone, top5) = reference
    let golden = try ResourceGolden.load(backbone)
    let size = backbone.spec.inputSize
    #expect(golden.input_size == size)
    let frame = SyntheticFrame.values(size: size)
    let check = golden.input_check
    #expect(Double(frame[0]) == check.x_0_0_0_0)
    #expect(Double(frame[((size - 1) * size + size - 1) * 3 + 2]) == check.x_0_2_last_last)
    #expect(Double(frame.min()!) == check.min)
    #expect(Double(frame.max()!) == check.max)
    #expect(abs(frame.reduce(0.0) { $0 + Double($1) } - check.sum_float64_of_float32_values) < 1e-9)

    let encoder = try FrameEncoder(
      backbone: backbone, checkpoint: TestWeights.url(backbone), threads: threads)
    #expect(encoder.inputSize == size)
    // The same layers as the reference, counted by its forward hooks.
    #expect(encoder.multiplyAddsPerFrame == golden.multiply_adds)
    // Three copies, then one alone: whole on one worker with one thread, split across both
    // with two.
    let batch = encoder.encode(frames: frame + frame + frame, count: 3, input: .normalized)
    let single = encoder.encode(frames: frame, count: 1, input: .normalized)
    for (index, encoding) in [(0, batch), (1, batch), (2, batch), (0, single)] {
      let error = VectorError(encoding.feature(index), reference: golden.feature)
      #expect(error.maxAbsolute <= Self.maxAbsolute, "feature of frame \(index): \(error)")
      #expect(error.relativeL2 <= Self.relativeL2, "feature of frame \(index): \(error)")
      let logits = try #require(encoding.logits(index))
      let logitsError = VectorError(logits, reference: golden.logits)
      #expect(logitsError.maxAbsolute <= Self.maxAbsolute, "logits: \(logitsError)")
      #expect(logitsError.relativeL2 <= Self.relativeL2, "logits: \(logitsError)")
      #expect(topIndices(Array(logits), k: 5) == topIndices(golden.logits, k: 5))
    }
    #expect(topIndices(golden.logits, k: 5) == top5)
  }
}
