import CFFmpeg
import Foundation

/// FFmpeg's interrupt callback for one stream: makes a blocking open or read return when the
/// reader is stopped (Ctrl-C) or when the source has sent nothing for too long, whatever the
/// protocol or device. FFmpeg polls it from the reading thread; `stop()` comes from any thread.
final class StreamInterrupt: @unchecked Sendable {
  /// Why the last blocking call was interrupted.
  enum Cause: Equatable {
    case stopped
    case silent
  }

  /// Guards the values below.
  private let lock = NSLock()
  private var stopRequested = false
  private var deadline: UInt64 = .max
  private var fired: Cause?

  /// The callback and this object as its `opaque`; valid while this object lives.
  var callback: AVIOInterruptCB {
    AVIOInterruptCB(
      callback: { opaque in
        guard let opaque else { return 0 }
        let interrupt = Unmanaged<StreamInterrupt>.fromOpaque(opaque).takeUnretainedValue()
        return interrupt.shouldInterrupt() ? 1 : 0
      }, opaque: Unmanaged.passUnretained(self).toOpaque())
  }

  /// Makes the reading thread's current or next blocking call return.
  func stop() {
    lock.withLock { stopRequested = true }
  }

  var isStopped: Bool { lock.withLock { stopRequested } }

  /// Starts the wait for the next piece of data: the blocking calls that follow give up after
  /// `seconds` without returning.
  func arm(seconds: Double) {
    let now = DispatchTime.now().uptimeNanoseconds
    lock.withLock { deadline = now + UInt64(max(seconds, 0) * 1e9) }
  }

  /// What interrupted a blocking call; nil when nothing did. It stays set until `clear()`:
  /// FFmpeg keeps the failed read's error and returns it from a later call, after the packets
  /// it had buffered, which is when the reader learns that the stream ended.
  var cause: Cause? { lock.withLock { fired } }

  /// Forgets an interruption that did not end the stream (an open that had read enough before
  /// it timed out).
  func clear() {
    lock.withLock { fired = nil }
  }
  private func shouldInterrupt() -> Bool {
    let now = DispatchTime.now().uptimeNanoseconds
    return lock.withLock {
      if fired == nil {
        if stopRequested {
          fired = .stopped
        } else if now > deadline {
          fired = .silent
        }
      }
      return fired != nil
    }
  }
}
