import Foundation

/// The deterministic input of the reference fixtures, already normalised:
/// `x[c][h][w] = 0.5·sin(0.05·(h+1)·(c+1)) + 0.5·cos(0.03·(w+1)·(c+2))`, computed in double
/// precision, evaluated left to right, then rounded to float.
public enum SyntheticFrame {
  /// The frame as NHWC interleaved RGB, `size × size × 3`.
  public static func values(size: Int = 224) -> [Float] {
    var values = [Float](repeating: 0, count: size * size * 3)
    for h in 0..<size {
      for w in 0..<size {
        for c in 0..<3 {
          let row = 0.5 * sin(0.05 * Double(h + 1) * Double(c + 1))
          let column = 0.5 * cos(0.03 * Double(w + 1) * Double(c + 2))
          values[(h * size + w) * 3 + c] = Float(row + column)
        }
      }
    }
    return values
  }
}

/// How far a computed vector is from a reference one.
public struct VectorError: Sendable, Equatable, Codable {
  /// Largest absolute difference of any element.
  public let maxAbsolute: Double
  /// `‖computed − reference‖ / ‖reference‖`.
  public let relativeL2: Double
  /// Cosine similarity of the two vectors (1 when both are zero).
  public let cosine: Double

  public init<C: Collection, R: Collection>(_ computed: C, reference: R)
  where C.Element == Float, R.Element == Double {
    precondition(computed.count == reference.count, "vectors differ in length")
    var worst = 0.0
    var difference = 0.0
    var norm = 0.0
    var computedNorm = 0.0
    var dot = 0.0
    for (value, expected) in zip(computed, reference) {
      let error = Double(value) - expected
      worst = max(worst, error.isNaN ? .infinity : abs(error))
      difference += error * error
      norm += expected * expected
      computedNorm += Double(value) * Double(value)
      dot += Double(value) * expected
    }
    maxAbsolute = worst
    relativeL2 = norm > 0 ? (difference / norm).squareRoot() : difference.squareRoot()
    let norms = (norm * computedNorm).squareRoot()
    cosine = norms > 0 ? dot / norms : (norm == computedNorm ? 1 : 0)
  }
}

/// The indices of the `k` largest values, largest first.
public func topIndices<C: Collection>(_ values: C, k: Int) -> [Int]
where C.Element: Comparable, C.Index == Int {
  Array(
    values.indices.sorted { values[$0] > values[$1] || (values[$0] == values[$1] && $0 < $1) }
      .prefix(k))
}
