/// NumericCore: the arithmetic under Vidi's models.
///
/// Matrix products go through the platform BLAS (`cblas_sgemm`: OpenBLAS on Linux, Accelerate on
/// macOS). Everything else that touches raw pointers lives in a few small kernels beside this
/// file, each tested against a naive reference.

#if canImport(Accelerate)
  import Accelerate
#else
  import COpenBLAS
#endif

/// Thin, typed entry points into the platform BLAS.
public enum BLAS {
  /// `C = alpha * op(A) * op(B) + beta * C` for row-major float32 matrices.
  ///
  /// `op(A)` is `m × k`, `op(B)` is `k × n`, `C` is `m × n`; `lda`, `ldb`, `ldc` are the row
  /// strides of the stored (untransposed) matrices.
  @inlinable
  public static func sgemm(
    transposeA: Bool = false, transposeB: Bool = false,
    m: Int, n: Int, k: Int,
    alpha: Float = 1,
    a: UnsafePointer<Float>, lda: Int,
    b: UnsafePointer<Float>, ldb: Int,
    beta: Float = 0,
    c: UnsafeMutablePointer<Float>, ldc: Int
  ) {
    cblas_sgemm(
      CblasRowMajor,
      transposeA ? CblasTrans : CblasNoTrans,
      transposeB ? CblasTrans : CblasNoTrans,
      blasInt(m), blasInt(n), blasInt(k),
      alpha, a, blasInt(lda), b, blasInt(ldb),
      beta, c, blasInt(ldc))
  }

  /// `C = alpha * op(A) * op(B) + beta * C` for row-major float64 matrices; as `sgemm`.
  @inlinable
  public static func dgemm(
    transposeA: Bool = false, transposeB: Bool = false,
    m: Int, n: Int, k: Int,
    alpha: Double = 1,
    a: UnsafePointer<Double>, lda: Int,
    b: UnsafePointer<Double>, ldb: Int,
    beta: Double = 0,
    c: UnsafeMutablePointer<Double>, ldc: Int
  ) {
    cblas_dgemm(
      CblasRowMajor,
      transposeA ? CblasTrans : CblasNoTrans,
      transposeB ? CblasTrans : CblasNoTrans,
      blasInt(m), blasInt(n), blasInt(k),
      alpha, a, blasInt(lda), b, blasInt(ldb),
      beta, c, blasInt(ldc))
  }

  /// Sets how many threads the BLAS may use, for the whole process and for good. Prefer
  /// `withThreadCount(_:_:)`, which restores the previous count.
  public static func setThreadCount(_ count: Int) {
    #if !canImport(Accelerate)
      openblas_set_num_threads(Int32(count))
    #endif
  }

  /// Stops the BLAS's worker threads until a product needs them again.
  ///
  /// OpenBLAS's pthread build starts its workers as it loads, and each spins on `sched_yield`
  /// for about 0.1 s before it sleeps: most of a core, taken from a command's start-up (model
  /// loading, the first clip's decode) on a two-core machine. The next multi-threaded product
  /// starts the workers again, so nothing else changes. Call it only while no product runs:
  /// `vidi` does so before anything else.
  public static func stopIdleWorkers() {
    #if !canImport(Accelerate)
      vidi_openblas_stop_workers()
    #endif
  }

  /// How many threads the BLAS may use now (1 where the count cannot be read).
  public static var threadCount: Int {
    #if canImport(Accelerate)
      1
    #else
      Int(openblas_get_num_threads())
    #endif
  }

  /// Runs `body` with the BLAS limited to `count` threads, then restores the count from before.
  /// Vidi runs its own threads over the work and calls a single-threaded BLAS inside each,
  /// because two spinning thread pools on few cores slow each other down badly; the caller's
  /// own BLAS use afterwards must not stay single-threaded. Overlapping scopes (training on two
  /// threads at once) restore the count when the last one ends.
  public static func withThreadCount<Result>(_ count: Int, _ body: () throws -> Result) rethrows
    -> Result
  {
    try threadCountScope.with(count, body)
  }

  static let threadCountScope = ScopedSetting(
    read: { threadCount }, write: { setThreadCount($0) })

  @usableFromInline
  static func blasInt(_ value: Int) -> Int32 { Int32(value) }
}
