/// A zero-initialised, 64-byte-aligned block of floats that lives as long as the object.
///
/// Packed weights write it once while they are built and only read it afterwards, which is
/// what makes sharing them across tasks safe; activation arenas keep one per worker and never
/// share it.
public final class AlignedBuffer: @unchecked Sendable {
  public let count: Int
  public let pointer: UnsafeMutablePointer<Float>

  public init(count: Int) {
    self.count = count
    let raw = UnsafeMutableRawPointer.allocate(
      byteCount: max(count, 1) * MemoryLayout<Float>.stride, alignment: 64)
    pointer = raw.bindMemory(to: Float.self, capacity: max(count, 1))
    pointer.initialize(repeating: 0, count: max(count, 1))
  }

  /// A buffer holding `values`, then zeros up to `count`.
  public convenience init(_ values: [Float], count: Int? = nil) {
    self.init(count: count ?? values.count)
    precondition(values.count <= self.count, "values do not fit")
    for (index, value) in values.enumerated() { pointer[index] = value }
  }

  deinit {
    pointer.deallocate()
  }

  public var buffer: UnsafeMutableBufferPointer<Float> { .init(start: pointer, count: count) }
}
