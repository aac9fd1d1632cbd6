import NumericCore

/// Grow-only float storage for one layer's activations or gradients: an `AlignedBuffer`
/// replaced by a larger one only when a batch is larger than any before it.
///
/// Each training worker owns its buffers exclusively, so the kernels can hand raw pointers to the
/// BLAS without copying.
final class FloatBuffer {
  private var storage: AlignedBuffer

  init(capacity: Int = 0) {
    storage = AlignedBuffer(count: capacity)
  }

  var pointer: UnsafeMutablePointer<Float> { storage.pointer }

  /// Makes room for `count` floats. Contents are unspecified after a reallocation.
  func reserve(_ count: Int) {
    if count > storage.count { storage = AlignedBuffer(count: count) }
  }

  /// Makes room for `count` floats and sets them to zero.
  func zeroed(_ count: Int) -> UnsafeMutablePointer<Float> {
    reserve(count)
    pointer.update(repeating: 0, count: count)
    return pointer
  }
}
