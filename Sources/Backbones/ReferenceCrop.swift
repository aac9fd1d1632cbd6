/// The reference fixtures' real-image geometry, TensorFlow's EfficientNet eval crop, for checks
/// against them: for a crop of side S, the shorter side resized to S + 32 (longer side truncated
/// in proportion) with PyTorch's bilinear interpolation (`align_corners=False`, no
/// antialiasing, half-pixel centres), then a centred S × S crop, values kept as floats on the
/// 0...255 scale. For S = 224 this is the classic resize-256 / crop-224.
public enum ReferenceCrop {
  /// The `size × size` crop of an RGB image (`height × width × 3`, interleaved), NHWC, 0...255.
  public static func centreCrop(rgb: [UInt8], height: Int, width: Int, size: Int = 224)
    -> [Float]
  {
    precondition(rgb.count == height * width * 3, "rgb must be height × width × 3")
    let resize = size + 32
    let (short, long) = (min(height, width), max(height, width))
    let longSide = Int(Double(resize) * Double(long) / Double(short))
    let (resizedHeight, resizedWidth) = height <= width ? (resize, longSide) : (longSide, resize)
    // Python's round: ties to even.
    let top = Int((Double(resizedHeight - size) / 2).rounded(.toNearestOrEven))
    let left = Int((Double(resizedWidth - size) / 2).rounded(.toNearestOrEven))
    let rows = taps(output: resizedHeight, input: height)[top..<(top + size)]
    let columns = taps(output: resizedWidth, input: width)[left..<(left + size)]

    var crop = [Float](repeating: 0, count: size * size * 3)
    for (y, row) in rows.enumerated() {
      for (x, column) in columns.enumerated() {
        for c in 0..<3 {
          func pixel(_ r: Int, _ q: Int) -> Float { Float(rgb[(r * width + q) * 3 + c]) }
          let upper =
            column.weights.0 * pixel(row.low, column.low)
            + column.weights.1 * pixel(row.low, column.high)
          let lower =
            column.weights.0 * pixel(row.high, column.low)
            + column.weights.1 * pixel(row.high, column.high)
          crop[(y * size + x) * 3 + c] = row.weights.0 * upper + row.weights.1 * lower
        }
      }
    }
    return crop
  }

  /// The two source indices and weights of each output index along one axis, in single
  /// precision like PyTorch's CPU kernel.
  private static func taps(output: Int, input: Int) -> [(
    low: Int, high: Int, weights: (Float, Float)
  )] {
    let scale = Float(input) / Float(output)
    return (0..<output).map { index in
      let source = max(scale * (Float(index) + 0.5) - 0.5, 0)
      let low = Int(source)
      let fraction = source - Float(low)
      return (low, min(low + 1, input - 1), (1 - fraction, fraction))
    }
  }
}
