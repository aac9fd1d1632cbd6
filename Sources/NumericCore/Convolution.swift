/// A regular k×k convolution (all input channels to every output channel), as the first layer
/// of a CNN needs: it gathers each output pixel's window into a row (im2col) and runs the rows
/// through the pointwise micro-kernel, with bias and activation fused.
public struct Convolution: Sendable {
  public let inputChannels: Int
  public let outputChannels: Int
  public let kernelSize: Int
  public let stride: Int
  private var product: PointwiseConvolution

  /// - Parameters:
  ///   - weights: `outputChannels × inputChannels × kernelSize × kernelSize`, row-major
  ///     (PyTorch's OIHW).
  public init(
    weights: [Float], bias: [Float], inputChannels: Int, outputChannels: Int, kernelSize: Int,
    stride: Int
  ) {
    let area = kernelSize * kernelSize
    precondition(weights.count == outputChannels * inputChannels * area, "weight count mismatch")
    self.inputChannels = inputChannels
    self.outputChannels = outputChannels
    self.kernelSize = kernelSize
    self.stride = stride
    // The window row is ordered (ky, kx, input channel), the order NHWC pixels are read in.
    let depth = area * inputChannels
    var reordered = [Float](repeating: 0, count: outputChannels * depth)
    for output in 0..<outputChannels {
      for input in 0..<inputChannels {
        for tap in 0..<area {
          reordered[output * depth + tap * inputChannels + input] =
            weights[(output * inputChannels + input) * area + tap]
        }
      }
    }
    product = PointwiseConvolution(
      weights: reordered, bias: bias, inputChannels: depth, outputChannels: outputChannels)
  }

  /// See `PointwiseConvolution.largestWeightNorm`.
  public var largestWeightNorm: Float { product.largestWeightNorm }

  /// The same convolution computing its products in `precision` (see
  /// `PointwiseConvolution.converted(to:)`).
  public func converted(to precision: Precision) -> Convolution {
    var result = self
    result.product = product.converted(to: precision)
    return result
  }

  /// Floats of scratch `apply` needs for `rows` output rows at a time.
  public func scratchCount(rows: Int, outputWidth: Int) -> Int {
    rows * outputWidth * kernelSize * kernelSize * inputChannels
  }

  /// Computes output rows `outputRows`, `rowsPerPass` of them per im2col pass.
  ///
  /// - Parameters:
  ///   - input: the top-left corner of the zero-padded input (pixels `inputChannels` apart,
  ///     rows `inputRowStride` apart); output pixel (y, x) reads the window whose corner is
  ///     input pixel (y·stride, x·stride).
  ///   - output: receives output row `outputRows.lowerBound` as its first row.
  ///   - scratch: at least `scratchCount(rows: rowsPerPass, outputWidth:)` floats.
  public func apply(
    input: UnsafePointer<Float>, inputRowStride: Int, outputRows: Range<Int>, outputWidth: Int,
    output: PixelLayout, activation: Activation, scratch: UnsafeMutablePointer<Float>,
    rowsPerPass: Int
  ) {
    let window = kernelSize * inputChannels
    let depth = kernelSize * window
    for passStart in Swift.stride(
      from: outputRows.lowerBound, to: outputRows.upperBound, by: rowsPerPass)
    {
      let passRows = min(rowsPerPass, outputRows.upperBound - passStart)
      var destination = scratch
      for y in passStart..<(passStart + passRows) {
        for x in 0..<outputWidth {
          let corner = input + y * stride * inputRowStride + x * stride * inputChannels
          // An element loop: the window rows are a few floats, too short for memcpy calls.
          for ky in 0..<kernelSize {
            let source = corner + ky * inputRowStride
            let target = destination + ky * window
            for element in 0..<window { target[element] = source[element] }
          }
          destination += depth
        }
      }
      product.apply(
        input: scratch, pixels: passRows * outputWidth, output: output,
        firstPixel: (passStart - outputRows.lowerBound) * outputWidth, activation: activation)
    }
  }
}
