import Foundation

/// The threads of one `FeatureExtractor.extract` call.
///
///     decoder thread ──jobs──▶ encoder threads ──events──▶ calling thread
///          ▲                         │
///          └──────── free frame buffers ◀┘
///
/// The decoder keys each clip, answers cache hits straight away and decodes misses into a
/// buffer from the pool, waiting when none is free: that wait is what bounds memory. Each
/// encoder runs its own backbone instance on one clip at a time, stores the features and gives
/// the buffer back. The calling thread turns events into callbacks, so callers need no locks.
final class ExtractionRun: @unchecked Sendable {
  private let clips: [Clip]
  private let views: [FeatureView]
  private let options: FeatureOptions
  private let cache: FeatureCache?
  private let encoders: [FrameEncoder]

  private let buffers: BlockingQueue<FrameBatch>
  private let jobs: BlockingQueue<Job>
  private let events: BlockingQueue<Event>
  private let timesLock = NSLock()
  /// Guarded by `timesLock`: the sum of every finished thread's stage times.
  private var stageSeconds = ExtractionSummary.StageSeconds()

  /// A decoded clip waiting for the backbone.
  private struct Job: Sendable {
    var index: Int
    var batch: FrameBatch
    /// The views to compute, with their keys when there is a cache.
    var missing: [FeatureView]
    var keys: [FeatureView: CacheKey]
    var cached: [FeatureView: CachedFeatures]
    var corrupt: Int
  }

  private enum Event: Sendable {
    case finished(ExtractedClip, corruptEntries: Int, framesEncoded: Int)
    case fatal(ExtractionError)
  }

  init(
    clips: [Clip], views: [FeatureView], options: FeatureOptions, cache: FeatureCache?,
    encoders: [FrameEncoder]
  ) {
    self.clips = clips
    self.views = views
    self.options = options
    self.cache = cache
    self.encoders = encoders
    // One buffer per encoder plus one being decoded and one ready: the decoder stays a clip
    // ahead without holding frames for the whole dataset.
    let bufferCount = encoders.count + 2
    buffers = BlockingQueue(capacity: bufferCount)
    for _ in 0..<bufferCount {
      buffers.push(FrameBatch(size: options.cropSize, reservingFrames: options.frames))
    }
    jobs = BlockingQueue(capacity: bufferCount)
    events = BlockingQueue(capacity: 64)
  }

  func perform(
    progress: (ExtractionProgress) -> Void, receive: (ExtractedClip) -> Void
  ) throws(ExtractionError) -> ExtractionSummary {
    let clock = ContinuousClock()
    let start = clock.now
    let threads = DispatchGroup()
    spawn(in: threads) { $0.decode() }
    for encoder in encoders {
      spawn(in: threads) { $0.encode(with: encoder) }
    }

    var summary = ExtractionSummary(
      total: clips.count, extracted: 0, cached: 0, failures: [], recomputedCorruptEntries: 0,
      framesEncoded: 0, seconds: 0, stageSeconds: .init())
    var failures: [(index: Int, failure: ClipFailure)] = []
    var fatal: ExtractionError?
    var done = 0
    while done < clips.count, let event = events.pop() {
      switch event {
      case .fatal(let error):
        fatal = error
      case .finished(let result, let corrupt, let frames):
        done += 1
        summary.recomputedCorruptEntries += corrupt
        summary.framesEncoded += frames
        switch result.outcome {
        case .failed(let reason):
          failures.append((result.index, ClipFailure(path: result.clip.path, reason: reason)))
        case .features(_, let computed):
          if computed.isEmpty { summary.cached += 1 } else { summary.extracted += 1 }
        }
        receive(result)
        progress(
          ExtractionProgress(
            done: done, total: clips.count, cached: summary.cached, failed: failures.count,
            elapsed: seconds(since: start, clock)))
      }
      if fatal != nil { break }
    }
    if fatal != nil {
      buffers.cancel()
      jobs.cancel()
      events.cancel()
    }
    threads.wait()
    if let fatal { throw fatal }

    summary.failures = failures.sorted { $0.index < $1.index }.map(\.failure)
    summary.seconds = seconds(since: start, clock)
    summary.stageSeconds = timesLock.withLock { stageSeconds }
    return summary
  }

  // MARK: Decoder thread

  private func decode() {
    var times = ExtractionSummary.StageSeconds()
    defer {
      jobs.finish()
      addTimes(times)
    }
    let clock = ContinuousClock()
    for (index, clip) in clips.enumerated() {
      var keys: [FeatureView: CacheKey] = [:]
      var cached: [FeatureView: CachedFeatures] = [:]
      var corrupt = 0
      let lookupStart = clock.now
      if let cache {
        do {
          keys = try FeatureExtractor.cacheKeys(for: clip.url, options: options, views: views)
        } catch {
          times.lookup += seconds(since: lookupStart, clock)
          guard
            report(
              failure: FeatureExtractor.failureReason(error), of: index, keys: [:], times: &times)
          else {
            return
          }
          continue
        }
        for view in views {
          switch cache.lookup(keys[view]!) {
          case .hit(let features): cached[view] = features
          case .corrupt: corrupt += 1
          case .miss: break
          }
        }
      }
      times.lookup += seconds(since: lookupStart, clock)
      let missing = views.filter { cached[$0] == nil }
      if missing.isEmpty {
        let result = ExtractedClip(
          index: index, clip: clip, outcome: .features(cached, computed: []))
        guard events.push(.finished(result, corruptEntries: 0, framesEncoded: 0)) else { return }
        continue
      }

      guard var batch = buffers.pop() else { return }
      let decodeStart = clock.now
      do {
        try VideoReader(url: clip.url).read(
          options.frameSampling, size: options.cropSize, bestEffort: true, into: &batch)
      } catch {
        times.decode += seconds(since: decodeStart, clock)
        buffers.push(batch)
        let missingKeys = keys.filter { missing.contains($0.key) }
        guard report(failure: error.reason, of: index, keys: missingKeys, times: &times) else {
          return
        }
        continue
      }
      times.decode += seconds(since: decodeStart, clock)
      let job = Job(
        index: index, batch: batch, missing: missing, keys: keys, cached: cached,
        corrupt: corrupt)
      guard jobs.push(job) else { return }
    }
  }

  /// Records a failed clip in the cache and reports it; false when the run is over (the cache
  /// could not be written, or the run was cancelled).
  private func report(
    failure reason: String, of index: Int, keys: [FeatureView: CacheKey],
    times: inout ExtractionSummary.StageSeconds
  ) -> Bool {
    let clock = ContinuousClock()
    let start = clock.now
    defer { times.store += seconds(since: start, clock) }
    if let cache {
      for key in keys.values {
        do {
          try cache.recordFailure(reason, for: key)
        } catch {
          events.push(.fatal(.cache(Self.cacheError(error, at: cache.failureURL(for: key)))))
          return false
        }
      }
    }
    let result = ExtractedClip(index: index, clip: clips[index], outcome: .failed(reason: reason))
    return events.push(.finished(result, corruptEntries: 0, framesEncoded: 0))
  }

  // MARK: Encoder threads

  private func encode(with encoder: FrameEncoder) {
    var times = ExtractionSummary.StageSeconds()
    defer { addTimes(times) }
    let clock = ContinuousClock()
    let clipEncoder = ClipEncoder(encoders: [encoder])
    while let job = jobs.pop() {
      let encodeStart = clock.now
      let computed = clipEncoder.features(
        of: job.batch, views: job.missing, frames: options.frames)
      times.encode += seconds(since: encodeStart, clock)
      let framesEncoded = job.batch.count * job.missing.count
      buffers.push(job.batch)

      let storeStart = clock.now
      if let cache {
        for (view, features) in computed {
          let key = job.keys[view]!
          do {
            try cache.store(features, for: key)
          } catch {
            events.push(.fatal(.cache(Self.cacheError(error, at: cache.entryURL(for: key)))))
            return
          }
        }
      }
      times.store += seconds(since: storeStart, clock)
      let result = ExtractedClip(
        index: job.index, clip: clips[job.index],
        outcome: .features(
          job.cached.merging(computed) { $1 }, computed: Set(computed.keys)))
      guard
        events.push(
          .finished(result, corruptEntries: job.corrupt, framesEncoded: framesEncoded))
      else { return }
    }
  }

  // MARK: Helpers

  private func spawn(in group: DispatchGroup, _ body: @escaping @Sendable (ExtractionRun) -> Void) {
    group.enter()
    let thread = Thread { [self] in
      body(self)
      group.leave()
    }
    thread.start()
  }

  private func addTimes(_ times: ExtractionSummary.StageSeconds) {
    timesLock.withLock { stageSeconds = stageSeconds + times }
  }

  private static func cacheError(_ error: any Error, at url: URL) -> FeatureCacheError {
    error as? FeatureCacheError ?? .cannotWrite(url, reason: "\(error)")
  }
}

private func seconds(since start: ContinuousClock.Instant, _ clock: ContinuousClock) -> Double {
  let elapsed = clock.now - start
  return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
}
