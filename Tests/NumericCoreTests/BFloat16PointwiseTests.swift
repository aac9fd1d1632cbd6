import NumericCore
import Testing

/// The bfloat16 1×1 convolution against the definition computed in double precision on the
/// same bfloat16-rounded inputs and weights: only the float32 summation order may differ.
@Suite(.enabled(if: Precision.bf16.isSupported, "this CPU has no AVX512-BF16"))
struct BFloat16PointwiseTests {
  /// Odd depths (a padded last pair), ragged panels, row tails of every tile shape, chunks of
  /// several tiles, many chunks of a tiny depth, and a depth whose chunk goes to the heap.
  static let shapes: [(pixels: Int, inputs: Int, outputs: Int)] = [
    (1, 1, 1), (8, 16, 32), (13, 7, 5), (37, 24, 40), (64, 33, 17), (9, 70, 50), (50, 3, 96),
    (17, 96, 24), (8, 16, 16), (11, 20, 45), (5, 9, 12), (300, 144, 24), (49, 320, 1280),
    (70, 960, 160), (2100, 1, 3), (20, 2100, 20),
  ]

  @Test(arguments: shapes.indices, [Activation.identity, .relu, .relu6])
  func matchesRoundedReference(shapeIndex: Int, activation: Activation) {
    let (pixels, inputs, outputs) = Self.shapes[shapeIndex]
    var random = SplitMix64(seed: UInt64(shapeIndex * 7 + 3))
    let input = random.floats(pixels * inputs, in: -3...3)
    let weights = random.floats(outputs * inputs)
    let bias = random.floats(outputs)
    let convolution = PointwiseConvolution(
      weights: weights, bias: bias, inputChannels: inputs, outputChannels: outputs
    ).converted(to: .bf16)
    #expect(convolution.precision == .bf16)
    let result = Self.run(convolution, input: input, pixels: pixels, activation: activation)
    let expected = referenceConvolution(
      Image(height: 1, width: pixels, channels: inputs, values: input.map(roundedToBFloat16)),
      weights: weights.map(roundedToBFloat16), bias: bias, outputChannels: outputs,
      kernelSize: 1, stride: 1, padTop: 0, padLeft: 0, outputHeight: 1, outputWidth: pixels,
      depthwise: false, activation: activation)
    // float32 sums of up to 960 products of size ~3: a few ulps of the running sum.
    #expect(maxDifference(result, expected.values) < 2e-4 * Float(max(inputs, 8)).squareRoot())
  }

  /// Against the float32 convolution the error is bfloat16's: about 2⁻⁹ of each product,
  /// partly cancelling over the sum.
  @Test func staysCloseToFloat32() {
    let (pixels, inputs, outputs) = (40, 144, 48)
    var random = SplitMix64(seed: 5)
    let input = random.floats(pixels * inputs)
    let weights = random.floats(outputs * inputs)
    let bias = random.floats(outputs)
    let reference = PointwiseConvolution(
      weights: weights, bias: bias, inputChannels: inputs, outputChannels: outputs)
    let reduced = reference.converted(to: .bf16)
    let exact = Self.run(reference, input: input, pixels: pixels, activation: .identity)
    let approximate = Self.run(reduced, input: input, pixels: pixels, activation: .identity)
    let scale = exact.map(abs).max() ?? 1
    let error = maxDifference(exact, approximate)
    #expect(error > 0, "the bf16 kernel should not be the float32 one")
    #expect(error < 0.02 * scale)
    #expect(reduced.converted(to: .f32).precision == .f32)
  }

  /// Rows of 5 pixels written into the interior of a 7-wide zero-bordered buffer, starting at
  /// pixel 3, with a residual added, as the float32 kernel's test does.
  @Test(arguments: [40, 45, 13])
  func writesIntoPaddedInteriorWithResidual(outputs: Int) {
    let (pixels, inputs, width) = (17, 11, 5)
    var random = SplitMix64(seed: 99)
    let input = random.floats(pixels * inputs)
    let residual = random.floats(pixels * outputs)
    let weights = random.floats(outputs * inputs)
    let bias = random.floats(outputs)
    let convolution = PointwiseConvolution(
      weights: weights, bias: bias, inputChannels: inputs, outputChannels: outputs
    ).converted(to: .bf16)
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
            firstPixel: 3, residual: extra.baseAddress!, activation: .relu6)
        }
      }
    }
    let plain = referenceConvolution(
      Image(height: 1, width: pixels, channels: inputs, values: input.map(roundedToBFloat16)),
      weights: weights.map(roundedToBFloat16), bias: bias, outputChannels: outputs,
      kernelSize: 1, stride: 1, padTop: 0, padLeft: 0, outputHeight: 1, outputWidth: pixels,
      depthwise: false, activation: .identity)
    var expected = [Float](repeating: 0, count: buffer.count)
    for pixel in 0..<pixels {
      let (row, column) = (pixel + 3).quotientAndRemainder(dividingBy: width)
      for o in 0..<outputs {
        expected[((row + 1) * (width + 2) + column + 1) * outputs + o] = Activation.relu6.apply(
          plain.values[pixel * outputs + o] + residual[pixel * outputs + o])
      }
    }
    #expect(maxDifference(buffer, expected) < 1e-4)
  }

  static func run(
    _ convolution: PointwiseConvolution, input: [Float], pixels: Int, activation: Activation
  ) -> [Float] {
    guarded(pixels * convolution.outputChannels) { target in
      input.withUnsafeBufferPointer { source in
        convolution.apply(
          input: source.baseAddress!, pixels: pixels,
          output: PixelLayout(compact: target, channels: convolution.outputChannels),
          activation: activation)
      }
    }
  }
}

@Suite struct BFloat16RoundingTests {
  @Test func roundsToNearestEven() {
    #expect(roundedToBFloat16(1) == 1)
    #expect(roundedToBFloat16(-2.5) == -2.5)
    // Halfway between 1 and the next bfloat16 (1 + 2⁻⁷): ties go to the even mantissa.
    #expect(roundedToBFloat16(1 + 0x1p-8) == 1)
    #expect(roundedToBFloat16(1 + 3 * 0x1p-8) == 1 + 0x1p-6)
    #expect(roundedToBFloat16(1 + 0x1p-8 + 0x1p-20) == 1 + 0x1p-7)
    #expect(roundedToBFloat16(.infinity) == .infinity)
    #expect(roundedToBFloat16(.nan).isNaN)
    #expect(roundedToBFloat16(.greatestFiniteMagnitude) == .infinity)
  }

  @Test func float32IsAlwaysSupported() {
    #expect(Precision.f32.isSupported)
    #expect(Precision.supported.first == .f32)
    #expect(Precision.supported.contains(Precision.fastest))
  }
}
