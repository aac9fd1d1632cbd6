import Foundation

/// How slowly an upload may arrive. A client may pause up to `idleTimeout` at the start and
/// must then keep an average of `minimumRate` bytes a second, and the whole body must arrive
/// within `uploadTimeout`. A client that sends one byte a second is cut off after about
/// `idleTimeout`, while a large upload over a slow link gets the time its size needs.
struct UploadDeadline: Sendable {
  var idleTimeout: Duration
  var uploadTimeout: Duration
  /// Bytes per second, at least 1.
  var minimumRate: Int

  /// When an upload that began at `start` and has brought `received` bytes must be complete.
  func expiry(start: ContinuousClock.Instant, received: Int) -> ContinuousClock.Instant {
    let earned = idleTimeout + .seconds(Double(received) / Double(max(minimumRate, 1)))
    return start + min(earned, uploadTimeout)
  }
}

/// Watches one upload while its body streams in, and calls `cutOff` (which closes the
/// connection's input, ending the body) when it misses its deadline.
final class UploadWatch: @unchecked Sendable {
  let deadline: UploadDeadline
  let start = ContinuousClock.now
  // Guards the two values below: the body's reader adds bytes while the watcher reads them.
  private let lock = NSLock()
  private var received = 0
  private var cut = false

  init(_ deadline: UploadDeadline) {
    self.deadline = deadline
  }

  func add(_ bytes: Int) {
    lock.withLock { received += bytes }
  }

  /// Whether the deadline cut the upload off.
  var expired: Bool { lock.withLock { cut } }

  /// Seconds since the body began.
  var elapsed: Double {
    let (seconds, attoseconds) = (ContinuousClock.now - start).components
    return Double(seconds) + Double(attoseconds) / 1e18
  }

  /// Bytes received so far.
  var bytes: Int { lock.withLock { received } }

  /// Sleeps until the deadline as it stands, again whenever bytes arrived meanwhile moved it,
  /// and cuts the upload off once it has passed. Returns when cancelled.
  func watch(cutOff: @Sendable () -> Void) async {
    while !Task.isCancelled {
      let expiry = deadline.expiry(start: start, received: bytes)
      if ContinuousClock.now >= expiry {
        lock.withLock { cut = true }
        cutOff()
        return
      }
      try? await Task.sleep(until: expiry, clock: .continuous)
    }
  }
}
