import Foundation

/// A first-in first-out queue between threads, bounded so that a fast producer waits for a slow
/// consumer instead of piling up work in memory.
///
/// `finish()` says no more items will come: consumers drain what is left, then get nil.
/// `cancel()` drops everything and wakes every waiting thread: pushes fail, pops return nil.
final class BlockingQueue<Element: Sendable>: @unchecked Sendable {
  private let condition = NSCondition()
  /// Guarded by `condition`, like the flags below.
  private var items: [Element] = []
  private let capacity: Int
  private var finished = false
  private var cancelled = false

  init(capacity: Int) {
    precondition(capacity > 0, "a queue needs room for one item")
    self.capacity = capacity
  }

  /// Appends `item`, waiting while the queue is full. False when the queue was cancelled or
  /// finished, in which case the item is dropped.
  @discardableResult
  func push(_ item: consuming Element) -> Bool {
    // Not `withLock`: a closure cannot take over `item`, and a pushed item must not stay
    // referenced by the caller (a consumer may mutate it in place the moment it is queued).
    condition.lock()
    defer { condition.unlock() }
    while items.count >= capacity && !cancelled { condition.wait() }
    guard !cancelled, !finished else { return false }
    items.append(item)
    condition.broadcast()
    return true
  }

  /// The oldest item, waiting while the queue is empty. Nil once the queue is cancelled, or
  /// finished and drained.
  func pop() -> Element? {
    condition.withLock {
      while items.isEmpty && !finished && !cancelled { condition.wait() }
      guard !cancelled, !items.isEmpty else { return nil }
      condition.broadcast()
      return items.removeFirst()
    }
  }

  /// No more pushes; consumers take what is queued, then get nil.
  func finish() {
    condition.withLock {
      finished = true
      condition.broadcast()
    }
  }

  /// Drops queued items and releases every waiting producer and consumer.
  func cancel() {
    condition.withLock {
      cancelled = true
      items.removeAll()
      condition.broadcast()
    }
  }
}
