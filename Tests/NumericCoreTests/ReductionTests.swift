import NumericCore
import Testing

@Suite struct ReductionTests {
  @Test(arguments: [(49, 1280), (3, 21), (1, 16)])
  func globalAveragePoolIsThePerChannelMean(pixels: Int, channels: Int) {
    var random = SplitMix64(seed: UInt64(pixels + channels))
    let input = random.floats(pixels * channels, in: 0...6)
    let result = guarded(channels) { target in
      input.withUnsafeBufferPointer { source in
        globalAveragePool(source.baseAddress!, pixels: pixels, channels: channels, into: target)
      }
    }
    let expected = (0..<channels).map { c in
      Float((0..<pixels).reduce(0.0) { $0 + Double(input[$1 * channels + c]) } / Double(pixels))
    }
    #expect(maxDifference(result, expected) < 1e-5)
  }

  @Test func softmaxIsStableAndNormalised() {
    let probabilities = softmax([1000, 1001, 999])
    #expect(abs(probabilities.reduce(0, +) - 1) < 1e-6)
    #expect(abs(probabilities[1] - 0.66524096) < 1e-6)
    #expect(softmax([]).isEmpty)
  }

  @Test func batchNormFoldsIntoTheConvolution() {
    var random = SplitMix64(seed: 7)
    let (pixels, inputs, outputs) = (10, 6, 5)
    let input = random.floats(pixels * inputs)
    let weights = random.floats(outputs * inputs)
    let norm = BatchNorm(
      scale: random.floats(outputs), shift: random.floats(outputs), mean: random.floats(outputs),
      variance: [1e-30, 0, 0.5, 2, 1e-4], epsilon: 1e-3)
    let (foldedWeights, foldedBias) = norm.fold(weights: weights)
    let folded = referenceConvolution(
      Image(height: 1, width: pixels, channels: inputs, values: input), weights: foldedWeights,
      bias: foldedBias, outputChannels: outputs, kernelSize: 1, stride: 1, padTop: 0,
      padLeft: 0, outputHeight: 1, outputWidth: pixels, depthwise: false, activation: .identity)
    let plain = referenceConvolution(
      Image(height: 1, width: pixels, channels: inputs, values: input), weights: weights,
      bias: [Float](repeating: 0, count: outputs), outputChannels: outputs, kernelSize: 1,
      stride: 1, padTop: 0, padLeft: 0, outputHeight: 1, outputWidth: pixels, depthwise: false,
      activation: .identity)
    var expected = plain.values
    for pixel in 0..<pixels {
      for o in 0..<outputs {
        let x = Double(plain.values[pixel * outputs + o])
        let normalised =
          (x - Double(norm.mean[o])) / (Double(norm.variance[o]) + norm.epsilon).squareRoot()
        expected[pixel * outputs + o] = Float(
          normalised * Double(norm.scale[o]) + Double(norm.shift[o]))
      }
    }
    #expect(maxDifference(folded.values, expected) < 1e-4)
  }
}

/// The vectorised normalisation against the scalar formula, bit for bit, over whole 48-value
/// patterns and a ragged end (Lite2's 260-pixel rows are 780 values).
@Test(arguments: [3, 48, 51, 672, 780])
func interleavedNormalizationMatchesTheScalarFormula(count: Int) {
  var random = SplitMix64(seed: UInt64(count))
  let values = random.floats(count, in: 0...255)
  let (mean, deviation) = (
    SIMD3<Float>(123.675, 116.28, 103.53), SIMD3<Float>(58.395, 57.12, 57.375)
  )
  let result = guarded(count) { target in
    InterleavedNormalization(mean: mean, deviation: deviation).apply(
      values, count: count, into: target)
  }
  let expected = values.indices.map { (values[$0] - mean[$0 % 3]) / deviation[$0 % 3] }
  #expect(result == expected)
}
