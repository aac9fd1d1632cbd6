import Backbones
import Foundation

/// A backbone's encoders, unpacked from their verified checkpoint on a thread of their own.
///
/// Unpacking the checkpoint and packing the weights for the kernels keeps one core busy for a
/// tenth of a second. Started when the extractor is made, that overlaps the decoding of the
/// first clips, which needs no backbone, instead of delaying it; only the encoder threads wait.
final class PendingEncoders: @unchecked Sendable {
  private let condition = NSCondition()
  /// Guarded by `condition`: nil until the build ends.
  private var outcome: Result<[FrameEncoder], ExtractionError>?

  init(build: @escaping @Sendable () -> Result<[FrameEncoder], ExtractionError>) {
    Thread { [self] in
      let result = build()
      condition.withLock {
        outcome = result
        condition.broadcast()
      }
    }.start()
  }

  /// The encoders, once built: waits for the build to end.
  func value() throws(ExtractionError) -> [FrameEncoder] {
    let result = condition.withLock {
      while outcome == nil { condition.wait() }
      return outcome!
    }
    return try result.get()
  }
}
