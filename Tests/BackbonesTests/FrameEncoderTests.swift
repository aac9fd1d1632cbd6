import Backbones
import Foundation
import Testing

@Suite struct FrameEncoderTests {
  /// RGB values 0...255 that the backbone's own normalisation maps back onto the synthetic
  /// (already normalised) frame: both inputs must give the same features.
  static let lite0Mean: [Float] = [127, 127, 127]
  static let lite0Std: [Float] = [128, 128, 128]
  static let imageNetMean: [Float] = [0.485 * 255, 0.456 * 255, 0.406 * 255]
  static let imageNetStd: [Float] = [0.229 * 255, 0.224 * 255, 0.225 * 255]

  @Test(arguments: [
    (BackboneID.efficientnetLite0, lite0Mean, lite0Std),
    (BackboneID.mobilenetV2, imageNetMean, imageNetStd),
  ])
  func pixelValuesAreNormalisedPerBackbone(backbone: BackboneID, mean: [Float], std: [Float]) throws
  {
    let encoder = try FrameEncoder(
      backbone: backbone, checkpoint: TestWeights.url(backbone), threads: 1)
    let normalized = SyntheticFrame.values()
    let pixels = normalized.enumerated().map { index, value in
      value * std[index % 3] + mean[index % 3]
    }
    let fromPixels = encoder.encode(frames: pixels, count: 1)
    let reference = encoder.encode(frames: normalized, count: 1, input: .normalized)
    let error = VectorError(fromPixels.features, reference: reference.features.map(Double.init))
    #expect(error.maxAbsolute < 1e-4)
    #expect(encoder.features(frames: pixels, count: 1) == fromPixels.features)
  }

  /// Replicas share one copy of the weights but nothing a call writes: run side by side on
  /// different frames, each gives what a standalone encoder gives.
  @Test func replicasRunSideBySideLikeOneEncoder() throws {
    let url = try TestWeights.url(.mobilenetV2)
    let replicas = try FrameEncoder.replicas(
      2, backbone: .mobilenetV2, stateDict: TorchCheckpoint.load(contentsOf: url), threads: 1)
    #expect(replicas.count == 2 && replicas.allSatisfy { $0.threads == 1 })
    let single = try FrameEncoder(backbone: .mobilenetV2, checkpoint: url, threads: 1)
    let frames = [SyntheticFrame.values(), SyntheticFrame.values().map { -$0 }]
    let expected = frames.map { single.encode(frames: $0, count: 1, input: .normalized).features }
    let results = ResultBox(count: 2)
    DispatchQueue.concurrentPerform(iterations: 2) { index in
      results.set(
        index, replicas[index].encode(frames: frames[index], count: 1, input: .normalized).features)
    }
    #expect(results.values == expected)
  }

  @Test func describesItsShapes() throws {
    let encoder = try FrameEncoder(
      backbone: .efficientnetLite0, checkpoint: TestWeights.url(.efficientnetLite0), threads: 2)
    #expect(encoder.inputSize == 224)
    #expect(encoder.featureCount == 1280)
    #expect(encoder.classCount == 1000)
    #expect(encoder.threads == 2)
    #expect(encoder.valuesPerFrame == 224 * 224 * 3)
    // 383.9 M convolution and 1.28 M classifier multiply-adds, as counted for the reference.
    #expect(abs(Double(encoder.multiplyAddsPerFrame) / 1e6 - 385.2) < 0.1)
    let empty = encoder.encode(frames: [], count: 0)
    #expect(empty.features.isEmpty && empty.logits == [])
  }

  @Test func throughputReportsTheBatchAndThreads() throws {
    let encoder = try FrameEncoder(
      backbone: .mobilenetV2, checkpoint: TestWeights.url(.mobilenetV2), threads: 2)
    #expect(abs(Double(encoder.multiplyAddsPerFrame) / 1e6 - 299.5) < 0.1)
    let clock = ContinuousClock()
    let start = clock.now
    let result = Throughput.measure(encoder, batch: 2, seconds: 0)
    let elapsed = start.duration(to: clock.now) / .seconds(1)
    #expect(result.backbone == .mobilenetV2 && result.batch == 2 && result.threads == 2)
    #expect(result.calls >= 3 && result.framesPerSecond.isFinite)
    // Half the timed calls took the median or longer, all within `elapsed`: a rate from
    // durations in the wrong unit, or from a mean of other calls, breaks this bound.
    let slowerHalf = Double((result.calls + 1) / 2)
    #expect(result.framesPerSecond >= 2 * slowerHalf / elapsed)
    let gigaflops = result.gigaflops(multiplyAddsPerFrame: 500_000_000)
    #expect(abs(gigaflops - result.framesPerSecond) <= 1e-12 * result.framesPerSecond)
  }
}

/// Results written by concurrent test workers into their own slots.
private final class ResultBox: @unchecked Sendable {
  private let lock = NSLock()
  private var slots: [[Float]]

  init(count: Int) { slots = Array(repeating: [], count: count) }

  func set(_ index: Int, _ value: [Float]) { lock.withLock { slots[index] = value } }

  var values: [[Float]] { lock.withLock { slots } }
}
