import Dispatch
import Foundation

extension FeatureCache {
  /// Where each clip stands for `options` and `views`: cached, missing or failed. Extracts
  /// nothing and loads no weights; it reads each clip whole to compute its key, on `threads`
  /// threads (by default every active processor).
  public func status(
    of clips: [Clip], options: FeatureOptions, views: [FeatureView] = [.original],
    threads: Int? = nil
  ) -> ExtractionStatus {
    let views = FeatureExtractor.normalized(views)
    let workers = max(1, min(threads ?? ProcessInfo.processInfo.activeProcessorCount, clips.count))
    let slots = ResultSlots<[CacheEntryState]>(count: workers)
    DispatchQueue.concurrentPerform(iterations: workers) { worker in
      let range = (worker * clips.count / workers)..<((worker + 1) * clips.count / workers)
      slots[worker] = clips[range].map { state(of: $0, options: options, views: views) }
    }
    let states = slots.values.flatMap { $0 }
    let failures = zip(clips, states).compactMap { clip, state -> ClipFailure? in
      guard case .failed(let reason) = state else { return nil }
      return ClipFailure(path: clip.path, reason: reason)
    }
    return ExtractionStatus(states: states, failures: failures)
  }

  /// Cached when every view is, failed when any view failed, missing otherwise.
  private func state(of clip: Clip, options: FeatureOptions, views: [FeatureView])
    -> CacheEntryState
  {
    let keys: [FeatureView: CacheKey]
    do {
      keys = try FeatureExtractor.cacheKeys(for: clip.url, options: options, views: views)
    } catch {
      return .failed(reason: FeatureExtractor.failureReason(error))
    }
    let states = views.map { state(of: keys[$0]!) }
    if let failed = states.first(where: { $0 != .cached && $0 != .missing }) { return failed }
    return states.allSatisfy { $0 == .cached } ? .cached : .missing
  }
}

/// Results written by concurrent workers into their own slots.
final class ResultSlots<Value: Sendable>: @unchecked Sendable {
  private let lock = NSLock()
  /// Guarded by `lock`.
  private var slots: [Value?]

  init(count: Int) {
    slots = Array(repeating: nil, count: count)
  }

  subscript(index: Int) -> Value? {
    get { lock.withLock { slots[index] } }
    set { lock.withLock { slots[index] = newValue } }
  }

  /// Every slot's value, in order; all slots must be filled.
  var values: [Value] {
    lock.withLock { slots.map { $0! } }
  }
}
