import NumericCore
import Testing

@Suite struct PointwiseTests {
  static let shapes: [(pixels: Int, inputs: Int, outputs: Int)] = [
    (1, 1, 1), (8, 16, 32), (13, 7, 5), (37, 24, 40), (64, 33, 17), (9, 70, 50), (50, 3, 96),
    (17, 96, 24), (8, 16, 16), (11, 20, 45), (5, 9, 12),
  ]

  @Test(arguments: shapes.indices, [Activation.identity, .relu, .relu6])
  func matchesReference(shapeIndex: Int, activation: Activation) {
    let (pixels, inputs, outputs) = Self.shapes[shapeIndex]
    var random = SplitMix64(seed: UInt64(shapeIndex * 3 + 1))
    let input = random.floats(pixels * inputs, in: -3...3)
    let weights = random.floats(outputs * inputs)
    let bias = random.floats(outputs)
    let convolution = PointwiseConvolution(
      weights: weights, bias: bias, inputChannels: inputs, outputChannels: outputs)
    let result = guarded(pixels * outputs) { target in
      input.withUnsafeBufferPointer { source in
        convolution.apply(
          input: source.baseAddress!, pixels: pixels,
          output: PixelLayout(compact: target, channels: outputs), activation: activation)
      }
    }
    let expected = referenceConvolution(
      Image(height: 1, width: pixels, channels: inputs, values: input), weights: weights,
      bias: bias, outputChannels: outputs, kernelSize: 1, stride: 1, padTop: 0, padLeft: 0,
      outputHeight: 1, outputWidth: pixels, depthwise: false, activation: activation)
    #expect(maxDifference(result, expected.values) < 1e-4)
  }

  /// Rows of 5 pixels written into the interior of a 7-wide zero-bordered buffer, starting at
  /// pixel 3, with a residual added: the border and the pixels before 3 stay untouched. The
  /// output widths leave 8, 13 and 13 channels in the last vector.
  @Test(arguments: [40, 45, 13])
  func writesIntoPaddedInteriorWithResidual(outputs: Int) {
    let (pixels, inputs, width) = (17, 11, 5)
    var random = SplitMix64(seed: 99)
    let input = random.floats(pixels * inputs)
    let residual = random.floats(pixels * outputs)
    let weights = random.floats(outputs * inputs)
    let bias = random.floats(outputs)
    let convolution = PointwiseConvolution(
      weights: weights, bias: bias, inputChannels: inputs, outputChannels: outputs)
    let rows = (3 + pixels + width - 1) / width
    var buffer = [Float](repeating: 0, count: (rows + 2) * (width + 2) * outputs)
    input.withUnsafeBufferPointer { source in
      residual.withUnsafeBufferPointer { extra in
        buffer.withUnsafeMutableBufferPointer { target in
          let interior = target.baseAddress! + ((width + 2) + 1) * outputs
          convolution.apply(
            input: source.baseAddress!, pixels: pixels,
            output: PixelLayout(
              base: interior, channels: outputs, rowLength: width,
              rowStride: (width + 2) * outputs),
            firstPixel: 3, residual: extra.baseAddress!, activation: .identity)
        }
      }
    }
    let plain = referenceConvolution(
      Image(height: 1, width: pixels, channels: inputs, values: input), weights: weights,
      bias: bias, outputChannels: outputs, kernelSize: 1, stride: 1, padTop: 0, padLeft: 0,
      outputHeight: 1, outputWidth: pixels, depthwise: false, activation: .identity)
    var expected = [Float](repeating: 0, count: buffer.count)
    for pixel in 0..<pixels {
      let (row, column) = (pixel + 3).quotientAndRemainder(dividingBy: width)
      for o in 0..<outputs {
        expected[((row + 1) * (width + 2) + column + 1) * outputs + o] =
          plain.values[pixel * outputs + o] + residual[pixel * outputs + o]
      }
    }
    #expect(maxDifference(buffer, expected) < 1e-4)
  }
}
