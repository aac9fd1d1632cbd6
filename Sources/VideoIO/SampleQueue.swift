import Foundation

/// The samples a stream's decoding thread hands to its reader, and how the stream ended.
///
/// Bounded: a full queue means the reader is behind. The decoding thread then either waits
/// (a file, which can wait) or drops the sample without converting it (a live source, which
/// cannot), so the queue's length bounds how far behind the live source the reader gets.
final class SampleQueue: @unchecked Sendable {
  private let condition = NSCondition()
  private let capacity: Int
  /// Guarded by `condition`, like everything below.
  private var items: [StreamSample] = []
  private var ending: StreamEnd?
  private var failure: VideoError?
  private var closed = false
  private(set) var droppedTotal = 0

  init(capacity: Int) {
    precondition(capacity > 0, "a queue needs room for one sample")
    self.capacity = capacity
  }

  var isFull: Bool { condition.withLock { items.count >= capacity } }

  /// Counts samples dropped because the queue was full.
  func countDrops(_ count: Int) {
    condition.withLock { droppedTotal += count }
  }

  var dropped: Int { condition.withLock { droppedTotal } }

  /// Appends `sample`, waiting while the queue is full. False once the reader has closed the
  /// queue (it stopped reading) or the stream was ended (stopped) before the decoding thread.
  func push(_ sample: StreamSample) -> Bool {
    condition.withLock {
      while items.count >= capacity && !closed && ending == nil { condition.wait() }
      guard !closed, ending == nil else { return false }
      items.append(sample)
      condition.broadcast()
      return true
    }
  }

  /// Records how the stream ended, after its last sample; a failure is thrown to the reader.
  /// The first ending stands: a stop is not overwritten by the decoding thread's own ending.
  func finish(_ end: StreamEnd, failure: VideoError? = nil) {
    condition.withLock {
      guard ending == nil else { return }
      ending = end
      self.failure = failure
      condition.broadcast()
    }
  }

  /// The oldest samples, up to `limit`, waiting for one; empty once the stream has ended and
  /// every sample has been taken, or the queue was closed. Does not wait for more than one:
  /// whatever else is queued comes along.
  func pop(upTo limit: Int) throws(VideoError) -> [StreamSample] {
    let (samples, error): ([StreamSample], VideoError?) = condition.withLock {
      while items.isEmpty && ending == nil && !closed { condition.wait() }
      guard !closed, !items.isEmpty else { return ([], ending == nil ? nil : failure) }
      let taken = Array(items.prefix(limit))
      items.removeFirst(taken.count)
      condition.broadcast()
      return (taken, nil)
    }
    if let error { throw error }
    return samples
  }

  /// How the stream ended; nil while it goes on.
  var end: StreamEnd? { condition.withLock { ending } }

  /// The reader is gone: releases a waiting decoding thread and drops what is queued.
  func close() {
    condition.withLock {
      closed = true
      items.removeAll()
      condition.broadcast()
    }
  }
}
