import NumericCore
import Testing

@Suite struct BLASTests {
  /// Row-major product by the definition, for checking the BLAS call's argument order.
  func naiveProduct(
    _ a: [Float], _ b: [Float], m: Int, n: Int, k: Int, transposeA: Bool, transposeB: Bool
  ) -> [Float] {
    var c = [Float](repeating: 0, count: m * n)
    for i in 0..<m {
      for j in 0..<n {
        var sum: Float = 0
        for p in 0..<k {
          let av = transposeA ? a[p * m + i] : a[i * k + p]
          let bv = transposeB ? b[j * k + p] : b[p * n + j]
          sum += av * bv
        }
        c[i * n + j] = sum
      }
    }
    return c
  }

  @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
  func sgemmMatchesDefinition(transposeA: Bool, transposeB: Bool) {
    let (m, n, k) = (7, 5, 11)
    var generator = SystemRandomNumberGenerator()
    let a = (0..<(m * k)).map { _ in Float.random(in: -1...1, using: &generator) }
    let b = (0..<(k * n)).map { _ in Float.random(in: -1...1, using: &generator) }
    var c = [Float](repeating: 0, count: m * n)
    a.withUnsafeBufferPointer { pa in
      b.withUnsafeBufferPointer { pb in
        c.withUnsafeMutableBufferPointer { pc in
          BLAS.sgemm(
            transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
            a: pa.baseAddress!, lda: transposeA ? m : k,
            b: pb.baseAddress!, ldb: transposeB ? k : n,
            c: pc.baseAddress!, ldc: n)
        }
      }
    }
    let expected = naiveProduct(
      a, b, m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB)
    for (x, y) in zip(c, expected) { #expect(abs(x - y) < 1e-4) }
  }
}
