import Foundation

/// A process-wide integer setting changed for the length of a scope. The first of overlapping
/// scopes saves the value it finds and the last one to end writes it back, so a scope on one
/// thread cannot undo another's while it runs. Overlapping scopes are meant to agree on the
/// value; the one entered last wins otherwise.
final class ScopedSetting: @unchecked Sendable {
  private let read: @Sendable () -> Int
  private let write: @Sendable (Int) -> Void
  /// Guards `depth` and `saved`.
  private let lock = NSLock()
  private var depth = 0
  private var saved = 0

  init(read: @escaping @Sendable () -> Int, write: @escaping @Sendable (Int) -> Void) {
    self.read = read
    self.write = write
  }

  func with<Result>(_ value: Int, _ body: () throws -> Result) rethrows -> Result {
    lock.withLock {
      if depth == 0 { saved = read() }
      depth += 1
      write(value)
    }
    defer {
      lock.withLock {
        depth -= 1
        if depth == 0 { write(saved) }
      }
    }
    return try body()
  }
}
