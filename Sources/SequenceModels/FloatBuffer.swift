/// Grow-only float storage for one layer's activations or gradients.
///
/// Each training worker owns its buffers exclusively, so the kernels can hand raw pointers to the
/// BLAS without copying; a buffer only reallocates when a batch is larger than any before it.
final class FloatBuffer {
  private(set) var pointer: UnsafeMutablePointer<Float>
  private(set) var capacity: Int

  init(capacity: Int = 0) {
    self.capacity = max(capacity, 1)
    pointer = .allocate(capacity: self.capacity)
    pointer.initialize(repeating: 0, count: self.capacity)
  }

  deinit { pointer.deallocate() }

  /// Makes room for `count` floats. Contents are unspecified after a reallocation.
  func reserve(_ count: Int) {
    guard count > capacity else { return }
    pointer.deallocate()
    capacity = count
    pointer = .allocate(capacity: count)
    pointer.initialize(repeating: 0, count: count)
  }

  /// Makes room for `count` floats and sets them to zero.
  func zeroed(_ count: Int) -> UnsafeMutablePointer<Float> {
    reserve(count)
    pointer.update(repeating: 0, count: count)
    return pointer
  }
}
