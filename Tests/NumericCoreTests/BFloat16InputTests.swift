import NumericCore
import Testing

/// Layers that hand bfloat16 to the next one: the depthwise convolution writing rounded
/// pixels, and the bfloat16 1×1 convolution reading them. Both must give exactly what the
/// float32 hand-over gives, since the 1×1 kernel rounds its float32 input the same way.
@Suite(.enabled(if: Precision.bf16.isSupported, "this CPU has no AVX512-BF16"))
struct BFloat16InputTests {
  /// The bit patterns of `values` rounded to bfloat16.
  static func bits(_ values: [Float]) -> [UInt16] {
    values.map { UInt16(truncatingIfNeeded: roundedToBFloat16($0).bitPattern >> 16) }
  }

  /// Even depths: ragged panels, row tails of every tile shape (pixels not a multiple of 16),
  /// several chunks, and a depth whose tail tile goes to the heap.
  @Test(arguments: [
    (1, 2, 5), (13, 16, 40), (37, 24, 17), (8, 32, 16), (300, 144, 24), (49, 320, 1280),
    (70, 960, 160), (2100, 2, 3), (20, 2100, 20),
  ])
  func pointwiseReadsRoundedInputAsItRoundsFloats(shape: (Int, Int, Int)) {
    let (pixels, inputs, outputs) = shape
    var random = SplitMix64(seed: UInt64(pixels * 31 + inputs))
    let input = random.floats(pixels * inputs, in: -3...3)
    let residual = random.floats(pixels * outputs)
    let convolution = PointwiseConvolution(
      weights: random.floats(outputs * inputs), bias: random.floats(outputs),
      inputChannels: inputs, outputChannels: outputs
    ).converted(to: .bf16)
    #expect(convolution.takesBFloat16Input)
    let rounded = Self.bits(input)
    let fromFloats = guarded(pixels * outputs) { target in
      convolution.apply(
        input: input, pixels: pixels, output: PixelLayout(compact: target, channels: outputs),
        residual: residual, activation: .relu6)
    }
    let fromBFloat16 = guarded(pixels * outputs) { target in
      convolution.apply(
        bfloat16Input: rounded, pixels: pixels,
        output: PixelLayout(compact: target, channels: outputs), residual: residual,
        activation: .relu6)
    }
    #expect(fromBFloat16 == fromFloats)
  }

  @Test func onlyEvenDepthsOfBFloat16ConvolutionsTakeBFloat16() {
    func convolution(inputs: Int) -> PointwiseConvolution {
      PointwiseConvolution(
        weights: [Float](repeating: 0.5, count: inputs * 4), bias: [0, 0, 0, 0],
        inputChannels: inputs, outputChannels: 4)
    }
    #expect(!convolution(inputs: 6).takesBFloat16Input)
    #expect(convolution(inputs: 6).converted(to: .bf16).takesBFloat16Input)
    #expect(!convolution(inputs: 7).converted(to: .bf16).takesBFloat16Input)
  }

  /// Every depthwise case of `DepthwiseTests` (odd channel counts, both strides, asymmetric
  /// padding, windows the C kernel has no unrolled form for, rows narrower than four) with
  /// every activation, written as bfloat16: the float32 kernel's output, rounded.
  @Test(arguments: DepthwiseTests.cases, [Activation.identity, .relu, .relu6])
  func depthwiseWritesItsOutputRounded(test: DepthwiseTests.Case, activation: Activation) {
    var random = SplitMix64(seed: UInt64(test.width * 17 + test.channels))
    let (k, s, c) = (test.kernelSize, test.stride, test.channels)
    let paddedHeight = test.height + test.pads.top + test.pads.bottom
    let paddedWidth = test.width + test.pads.left + test.pads.right
    let input = random.floats(paddedHeight * paddedWidth * c, in: -4...4)
    let convolution = DepthwiseConvolution(
      weights: random.floats(c * k * k), bias: random.floats(c), channels: c, kernelSize: k,
      stride: s)
    let (outputHeight, outputWidth) = ((paddedHeight - k) / s + 1, (paddedWidth - k) / s + 1)
    let count = outputHeight * outputWidth * c
    let floats = guarded(count) { target in
      convolution.apply(
        input: input, inputRowStride: paddedWidth * c, outputRows: 0..<outputHeight,
        outputWidth: outputWidth, output: PixelLayout(compact: target, channels: c),
        activation: activation)
    }
    var halves = [UInt16](repeating: 0xffff, count: count + 1)
    halves.withUnsafeMutableBufferPointer { target in
      // Two calls over halves of the rows, as two workers would split them.
      let middle = outputHeight / 2
      for rows in [0..<middle, middle..<outputHeight] {
        convolution.apply(
          input: input, inputRowStride: paddedWidth * c, outputRows: rows,
          outputWidth: outputWidth, bfloat16Output: target.baseAddress!, activation: activation)
      }
    }
    #expect(Array(halves.prefix(count)) == Self.bits(floats))
    #expect(halves[count] == 0xffff, "wrote past its output")
  }
}
