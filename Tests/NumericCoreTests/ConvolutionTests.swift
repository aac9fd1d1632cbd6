import NumericCore
import Testing

@Suite struct ConvolutionTests {
  /// Stem-like convolutions: few input channels, strides 1 and 2, asymmetric padding, odd sizes,
  /// computed in passes of a few rows.
  @Test(arguments: [
    (17, 15, 3, 32, 3, 2, 0, 0, 1, 1, 4),
    (12, 12, 3, 32, 3, 2, 1, 1, 1, 1, 3),
    (9, 7, 5, 13, 3, 1, 1, 1, 1, 1, 2),
    (10, 11, 2, 40, 5, 2, 1, 2, 2, 1, 5),
  ])
  func matchesReference(
    height: Int, width: Int, inputs: Int, outputs: Int, k: Int, s: Int, top: Int, left: Int,
    bottom: Int, right: Int, rowsPerPass: Int
  ) {
    var random = SplitMix64(seed: UInt64(height * 100 + outputs))
    let image = Image(
      height: height, width: width, channels: inputs,
      values: random.floats(height * width * inputs, in: -2...2))
    let weights = random.floats(outputs * inputs * k * k)
    let bias = random.floats(outputs)
    let padded = image.padded(top: top, left: left, bottom: bottom, right: right)
    let outputHeight = (padded.height - k) / s + 1
    let outputWidth = (padded.width - k) / s + 1
    let convolution = Convolution(
      weights: weights, bias: bias, inputChannels: inputs, outputChannels: outputs,
      kernelSize: k, stride: s)
    let scratchCount = convolution.scratchCount(rows: rowsPerPass, outputWidth: outputWidth)
    let result = guarded(outputHeight * outputWidth * outputs) { target in
      // The scratch rows are guarded too.
      _ = guarded(scratchCount) { scratch in
        padded.values.withUnsafeBufferPointer { source in
          convolution.apply(
            input: source.baseAddress!, inputRowStride: padded.width * inputs,
            outputRows: 0..<outputHeight, outputWidth: outputWidth,
            output: PixelLayout(compact: target, channels: outputs), activation: .relu6,
            scratch: scratch, rowsPerPass: rowsPerPass)
        }
      }
    }
    let expected = referenceConvolution(
      image, weights: weights, bias: bias, outputChannels: outputs, kernelSize: k, stride: s,
      padTop: top, padLeft: left, outputHeight: outputHeight, outputWidth: outputWidth,
      depthwise: false, activation: .relu6)
    #expect(maxDifference(result, expected.values) < 1e-4)
  }
}
