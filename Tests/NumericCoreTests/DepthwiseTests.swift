import NumericCore
import Testing

@Suite struct DepthwiseTests {
  struct Case: Sendable, CustomStringConvertible {
    var height: Int
    var width: Int
    var channels: Int
    var kernelSize: Int
    var stride: Int
    var pads: (top: Int, left: Int, bottom: Int, right: Int)
    var description: String { "\(height)x\(width)x\(channels) k\(kernelSize) s\(stride) \(pads)" }
  }

  static let cases: [Case] = [
    Case(height: 9, width: 11, channels: 16, kernelSize: 3, stride: 1, pads: (1, 1, 1, 1)),
    Case(height: 8, width: 8, channels: 32, kernelSize: 3, stride: 2, pads: (0, 0, 1, 1)),
    Case(height: 7, width: 13, channels: 35, kernelSize: 3, stride: 2, pads: (1, 1, 1, 1)),
    Case(height: 10, width: 6, channels: 24, kernelSize: 5, stride: 2, pads: (1, 1, 2, 2)),
    Case(height: 7, width: 7, channels: 48, kernelSize: 5, stride: 1, pads: (2, 2, 2, 2)),
    Case(height: 5, width: 9, channels: 7, kernelSize: 3, stride: 1, pads: (0, 2, 1, 0)),
    Case(height: 6, width: 5, channels: 17, kernelSize: 1, stride: 1, pads: (0, 0, 0, 0)),
    Case(height: 11, width: 12, channels: 20, kernelSize: 7, stride: 2, pads: (3, 2, 3, 3)),
    Case(height: 4, width: 3, channels: 19, kernelSize: 3, stride: 1, pads: (1, 1, 1, 1)),
    Case(height: 3, width: 1, channels: 32, kernelSize: 5, stride: 2, pads: (1, 1, 2, 2)),
    Case(height: 5, width: 14, channels: 33, kernelSize: 5, stride: 1, pads: (2, 2, 2, 2)),
    Case(height: 4, width: 10, channels: 16, kernelSize: 5, stride: 1, pads: (2, 2, 2, 2)),
  ]

  @Test(arguments: cases)
  func matchesReference(test: Case) {
    var random = SplitMix64(seed: UInt64(test.height * 31 + test.channels))
    let (k, s, c) = (test.kernelSize, test.stride, test.channels)
    let image = Image(
      height: test.height, width: test.width, channels: c,
      values: random.floats(test.height * test.width * c, in: -4...4))
    let weights = random.floats(c * k * k)
    let bias = random.floats(c)
    let padded = image.padded(
      top: test.pads.top, left: test.pads.left, bottom: test.pads.bottom,
      right: test.pads.right)
    let outputHeight = (padded.height - k) / s + 1
    let outputWidth = (padded.width - k) / s + 1
    let convolution = DepthwiseConvolution(
      weights: weights, bias: bias, channels: c, kernelSize: k, stride: s)
    let result = guarded(outputHeight * outputWidth * c) { target in
      padded.values.withUnsafeBufferPointer { source in
        // Two calls over halves of the rows, as two workers would split them.
        let middle = outputHeight / 2
        for rows in [0..<middle, middle..<outputHeight] {
          convolution.apply(
            input: source.baseAddress!, inputRowStride: padded.width * c, outputRows: rows,
            outputWidth: outputWidth, output: PixelLayout(compact: target, channels: c),
            activation: .relu6)
        }
      }
    }
    let expected = referenceConvolution(
      image, weights: weights, bias: bias, outputChannels: c, kernelSize: k, stride: s,
      padTop: test.pads.top, padLeft: test.pads.left, outputHeight: outputHeight,
      outputWidth: outputWidth, depthwise: true, activation: .relu6)
    #expect(maxDifference(result, expected.values) < 1e-4)
  }
}
