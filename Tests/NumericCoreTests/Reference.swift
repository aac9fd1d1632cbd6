import NumericCore
import Testing

/// Deterministic random numbers so failures reproduce.
struct SplitMix64: RandomNumberGenerator {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  mutating func floats(_ count: Int, in range: ClosedRange<Float> = -1...1) -> [Float] {
    (0..<count).map { _ in Float.random(in: range, using: &self) }
  }
}

/// An NHWC image for the references.
struct Image {
  var height: Int
  var width: Int
  var channels: Int
  var values: [Float]

  subscript(y: Int, x: Int, c: Int) -> Float {
    values[(y * width + x) * channels + c]
  }

  /// The same image inside a zero border, as the kernels read it.
  func padded(top: Int, left: Int, bottom: Int, right: Int) -> Image {
    var result = Image(
      height: height + top + bottom, width: width + left + right, channels: channels,
      values: [])
    result.values = [Float](repeating: 0, count: result.height * result.width * channels)
    for y in 0..<height {
      for x in 0..<width {
        for c in 0..<channels {
          result.values[((y + top) * result.width + x + left) * channels + c] = self[y, x, c]
        }
      }
    }
    return result
  }
}

/// Convolution by the definition: OIHW weights, zero padding, `groups` 1 or `channels`.
func referenceConvolution(
  _ input: Image, weights: [Float], bias: [Float], outputChannels: Int, kernelSize k: Int,
  stride: Int, padTop: Int, padLeft: Int, outputHeight: Int, outputWidth: Int,
  depthwise: Bool, activation: Activation
) -> Image {
  var output = Image(
    height: outputHeight, width: outputWidth, channels: outputChannels,
    values: [Float](repeating: 0, count: outputHeight * outputWidth * outputChannels))
  let inputsPerGroup = depthwise ? 1 : input.channels
  for y in 0..<outputHeight {
    for x in 0..<outputWidth {
      for o in 0..<outputChannels {
        var sum = Double(bias[o])
        for i in 0..<inputsPerGroup {
          let channel = depthwise ? o : i
          for ky in 0..<k {
            for kx in 0..<k {
              let sy = y * stride + ky - padTop
              let sx = x * stride + kx - padLeft
              guard sy >= 0, sy < input.height, sx >= 0, sx < input.width else { continue }
              let weight = weights[((o * inputsPerGroup + i) * k + ky) * k + kx]
              sum += Double(weight) * Double(input[sy, sx, channel])
            }
          }
        }
        output.values[(y * outputWidth + x) * outputChannels + o] = activation.apply(Float(sum))
      }
    }
  }
  return output
}

/// Runs a kernel on an output of `count` floats (NaN until written) that sits between two runs
/// of sentinel floats, records an issue when the kernel wrote a sentinel, and returns the output.
/// Sixteen floats are one AVX-512 vector: a whole-vector tail written past the end lands here.
func guarded(
  _ count: Int, sourceLocation: SourceLocation = #_sourceLocation,
  _ kernel: (UnsafeMutablePointer<Float>) -> Void
) -> [Float] {
  let (sentinel, margin): (Float, Int) = (-12345.5, 16)
  var buffer =
    [Float](repeating: sentinel, count: margin) + [Float](repeating: .nan, count: count)
    + [Float](repeating: sentinel, count: margin)
  buffer.withUnsafeMutableBufferPointer { kernel($0.baseAddress! + margin) }
  #expect(
    buffer.prefix(margin).allSatisfy { $0 == sentinel }, "wrote before its output",
    sourceLocation: sourceLocation)
  #expect(
    buffer.suffix(margin).allSatisfy { $0 == sentinel }, "wrote past its output",
    sourceLocation: sourceLocation)
  return Array(buffer[margin..<(margin + count)])
}

/// The largest absolute difference; infinite when any value is NaN (e.g. never written).
func maxDifference(_ a: [Float], _ b: [Float]) -> Float {
  precondition(a.count == b.count, "compared arrays differ in length")
  return zip(a, b).reduce(0) { worst, pair in
    let difference = abs(pair.0 - pair.1)
    return difference.isNaN ? .infinity : max(worst, difference)
  }
}

@Test func guardedOutputsCatchWritesOutsideThem() {
  withKnownIssue { _ = guarded(4) { $0[4] = 0 } }
  withKnownIssue { _ = guarded(4) { $0[-1] = 0 } }
  #expect(
    guarded(2) {
      $0[0] = 1
      $0[1] = 2
    } == [1, 2])
}
