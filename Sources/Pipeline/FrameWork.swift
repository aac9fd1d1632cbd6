import Backbones
import Foundation

/// The frames of one clip view, handed out one at a time to whichever backbone instance asks
/// next: those of the thread that took the clip, and, once the decoder has no clip left, those
/// of encoder threads that would otherwise sit idle until the last clip is done.
///
/// The frames are borrowed: the owner keeps them alive until `result()` returns, which waits
/// for every frame handed out, so no encoder reads them afterwards.
final class FrameWork: @unchecked Sendable {
  private let frames: UnsafeBufferPointer<Float>
  private let count: Int
  private let condition = NSCondition()
  /// Guarded by `condition`: the next frame to hand out, the frames encoded, and their
  /// features in frame order.
  private var next = 0
  private var finished = 0
  private var features: [Float]
  private let featureCount: Int

  /// `count` frames stored one after another in `frames`, for encoders with `featureCount`
  /// features per frame.
  init(frames: UnsafeBufferPointer<Float>, count: Int, featureCount: Int) {
    self.frames = frames
    self.count = count
    self.featureCount = featureCount
    features = [Float](repeating: 0, count: count * featureCount)
  }

  /// Whether frames are left to hand out.
  var isOpen: Bool { condition.withLock { next < count } }

  /// Encodes frames with `encoder` until none is left to hand out.
  func run(_ encoder: FrameEncoder) {
    let stride = count > 0 ? frames.count / count : 0
    while let frame = claim() {
      let values = encoder.features(
        frames: UnsafeBufferPointer(rebasing: frames[(frame * stride)..<((frame + 1) * stride)]),
        count: 1)
      condition.withLock {
        features.replaceSubrange(
          (frame * featureCount)..<((frame + 1) * featureCount), with: values)
        finished += 1
        if finished == count { condition.broadcast() }
      }
    }
  }

  /// The `count × featureCount` features in frame order, once every frame is encoded.
  func result() -> [Float] {
    condition.withLock {
      while finished < count { condition.wait() }
      return features
    }
  }

  private func claim() -> Int? {
    condition.withLock {
      guard next < count else { return nil }
      defer { next += 1 }
      return next
    }
  }
}

/// The clip views being encoded in one run, where an encoder thread with no clip left finds
/// frames to help with.
final class FrameWorkBoard: @unchecked Sendable {
  private let lock = NSLock()
  /// Guarded by `lock`.
  private var posted: [ObjectIdentifier: FrameWork] = [:]

  func post(_ work: FrameWork) {
    lock.withLock { posted[ObjectIdentifier(work)] = work }
  }

  func remove(_ work: FrameWork) {
    lock.withLock { posted[ObjectIdentifier(work)] = nil }
  }

  /// A posted clip view with frames left to hand out, if any.
  func open() -> FrameWork? {
    lock.withLock { posted.values.first { $0.isOpen } }
  }
}
