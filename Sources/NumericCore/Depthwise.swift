import CKernels

/// A depthwise k×k convolution (one filter per channel, channel multiplier 1) with its bias and
/// activation, vectorised over channels.
///
/// The input is read from a buffer that already holds the zero padding around the image (the
/// layer before writes into its interior, see `PixelLayout`), so every output pixel runs the
/// same loop with no bounds checks, and any padding (symmetric or TensorFlow's asymmetric
/// "SAME") is only a matter of where the image sits in that buffer. Weights are packed as
/// `[tap][channel]` so each tap is one vector load per 16 channels. Four neighbouring output
/// pixels are computed together: they share each weight load and, with stride 1, most input
/// loads.
public struct DepthwiseConvolution: Sendable {
  public let channels: Int
  public let kernelSize: Int
  public let stride: Int
  private let taps: AlignedBuffer
  private let bias: AlignedBuffer
  private let paddedChannels: Int

  /// - Parameters:
  ///   - weights: `channels × kernelSize × kernelSize`, row-major (PyTorch's `[C, 1, k, k]`).
  ///   - bias: `channels` values.
  public init(weights: [Float], bias: [Float], channels: Int, kernelSize: Int, stride: Int) {
    let area = kernelSize * kernelSize
    precondition(weights.count == channels * area, "weight count mismatch")
    precondition(bias.count == channels, "bias count mismatch")
    self.channels = channels
    self.kernelSize = kernelSize
    self.stride = stride
    paddedChannels = (channels + 15) / 16 * 16
    let packed = AlignedBuffer(count: area * paddedChannels)
    for channel in 0..<channels {
      for tap in 0..<area {
        packed.pointer[tap * paddedChannels + channel] = weights[channel * area + tap]
      }
    }
    taps = packed
    self.bias = AlignedBuffer(bias, count: paddedChannels)
  }

  /// Computes output rows `outputRows` (each `outputWidth` pixels).
  ///
  /// - Parameters:
  ///   - input: the top-left corner of the padded input; output pixel (y, x) reads the
  ///     `kernelSize × kernelSize` window whose corner is input pixel (y·stride, x·stride).
  ///   - inputRowStride: floats from one padded input row to the next; pixels are `channels`
  ///     floats apart.
  ///   - output: where pixel (y, x) is pixel `y * outputWidth + x`; its rows must be
  ///     `outputWidth` long (or the layout compact).
  public func apply(
    input: UnsafePointer<Float>, inputRowStride: Int, outputRows: Range<Int>, outputWidth: Int,
    output: PixelLayout, activation: Activation
  ) {
    switch activation {
    case .identity:
      apply(input, inputRowStride, outputRows, outputWidth, output, IdentityActivation.self)
    case .relu: apply(input, inputRowStride, outputRows, outputWidth, output, ReLUActivation.self)
    case .relu6: apply(input, inputRowStride, outputRows, outputWidth, output, ReLU6Activation.self)
    }
  }

  /// `apply`, writing compact pixels rounded to bfloat16 (bit patterns, as the bfloat16 1×1
  /// convolution rounds its input) for a bfloat16 convolution to read with no rounding pass of
  /// its own: pixel (y, x) is at `(y * outputWidth + x) * channels`. The same arithmetic as the
  /// float32 kernel, in C (`vidi_depthwise_bf16`), which rounds each vector before it stores
  /// it; Swift has no vector type for the rounding. Only where `Precision.bf16.isSupported`.
  public func apply(
    input: UnsafePointer<Float>, inputRowStride: Int, outputRows: Range<Int>, outputWidth: Int,
    bfloat16Output output: UnsafeMutablePointer<UInt16>, activation: Activation
  ) {
    precondition(Precision.bf16.isSupported, "this CPU has no bf16 kernels")
    vidi_depthwise_bf16(
      input + outputRows.lowerBound * stride * inputRowStride, inputRowStride, outputRows.count,
      outputWidth, channels, kernelSize, stride, taps.pointer, paddedChannels, bias.pointer,
      activation.kernelCode, output + outputRows.lowerBound * outputWidth * channels)
  }

  private func apply<Function: VectorActivation>(
    _ input: UnsafePointer<Float>, _ inputRowStride: Int, _ outputRows: Range<Int>,
    _ outputWidth: Int, _ output: PixelLayout, _: Function.Type
  ) {
    for y in outputRows {
      var cursor = PixelLayout.Cursor(output, at: y * outputWidth)
      let row = Row<Function>(
        input: input + y * stride * inputRowStride, rowStride: inputRowStride,
        channels: channels, width: outputWidth, taps: UnsafePointer(taps.pointer),
        tapStride: paddedChannels, bias: UnsafePointer(bias.pointer), output: cursor.next())
      switch (kernelSize, stride) {
      case (3, 1): row.run(kernelSize: 3, stride: 1)
      case (3, 2): row.run(kernelSize: 3, stride: 2)
      case (5, 1): row.run(kernelSize: 5, stride: 1)
      case (5, 2): row.run(kernelSize: 5, stride: 2)
      default: row.run(kernelSize: kernelSize, stride: stride)
      }
    }
  }
}

extension Row {
  /// Four neighbouring outputs of 16 channels. Input offsets are written as one product per
  /// tap so that the compiler sees equal offsets as equal and loads each input once.
  @inline(__always)
  func four(at x: Int, channel: Int, kernelSize k: Int, stride s: Int) {
    let start = bias.vector(at: channel)
    var a0 = start
    var a1 = start
    var a2 = start
    var a3 = start
    let corner = input + (channel &+ x &* s &* channels)
    for ky in 0..<k {
      let line = corner + ky &* rowStride
      for kx in 0..<k {
        let weight = taps.vector(at: (ky &* k &+ kx) &* tapStride &+ channel)
        a0.addProduct(line.vector(at: kx &* channels), weight)
        a1.addProduct(line.vector(at: (s &+ kx) &* channels), weight)
        a2.addProduct(line.vector(at: (2 &* s &+ kx) &* channels), weight)
        a3.addProduct(line.vector(at: (3 &* s &+ kx) &* channels), weight)
      }
    }
    let target = output + (x &* channels &+ channel)
    target.store(Function.apply(a0))
    target.store(Function.apply(a1), at: channels)
    target.store(Function.apply(a2), at: 2 &* channels)
    target.store(Function.apply(a3), at: 3 &* channels)
  }

  @inline(__always)
  func one(at x: Int, channel: Int, kernelSize k: Int, stride s: Int) {
    var sum = bias.vector(at: channel)
    let corner = input + (channel &+ x &* s &* channels)
    for ky in 0..<k {
      for kx in 0..<k {
        sum.addProduct(
          corner.vector(at: ky &* rowStride &+ kx &* channels),
          taps.vector(at: (ky &* k &+ kx) &* tapStride &+ channel))
      }
    }
    (output + (x &* channels &+ channel)).store(Function.apply(sum))
  }
}

/// One output row of a depthwise convolution.
private struct Row<Function: VectorActivation> {
  let input: UnsafePointer<Float>
  let rowStride: Int
  let channels: Int
  let width: Int
  let taps: UnsafePointer<Float>
  let tapStride: Int
  let bias: UnsafePointer<Float>
  let output: UnsafeMutablePointer<Float>

  /// Called with literal sizes so the tap loops unroll.
  @inline(__always)
  func run(kernelSize k: Int, stride s: Int) {
    var channel = 0
    while channel + 16 <= channels {
      if width >= 4 {
        var x = 0
        while x < width {
          // The last block may overlap the one before: recomputing a few outputs is cheaper
          // than a one-pixel tail.
          let first = min(x, width - 4)
          four(at: first, channel: channel, kernelSize: k, stride: s)
          x = first + 4
        }
      } else {
        for x in 0..<width { one(at: x, channel: channel, kernelSize: k, stride: s) }
      }
      channel += 16
    }
    for tail in channel..<channels {
      for x in 0..<width {
        var sum = bias[tail]
        for ky in 0..<k {
          for kx in 0..<k {
            sum +=
              input[ky * rowStride + x * s * channels + kx * channels + tail]
              * taps[(ky * k + kx) * tapStride + tail]
          }
        }
        output[x * channels + tail] = Function.apply(FloatVector(repeating: sum))[0]
      }
    }
  }
}
