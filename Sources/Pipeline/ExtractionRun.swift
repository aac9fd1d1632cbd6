import Backbones
import Foundation
import VideoIO

/// The threads of one `FeatureExtractor.extract` call.
///
///     decoder thread ──jobs──▶ encoder threads ──events──▶ calling thread
///          ▲                         │
///          └──────── free frame buffers ◀┘
///
/// The decoder keys each clip, answers cache hits straight away and decodes misses into a
/// buffer from the pool, waiting when none is free: that wait is what bounds memory. Each
/// encoder thread runs its own backbone instances on one clip at a time, stores the features
/// and gives the buffer back; with fewer clips than backbone instances (one video to predict)
/// a thread gets several, which share each clip's frames. When the decoder has no clip left,
/// an encoder thread without one takes frames of the clips still being encoded (`FrameWork`),
/// so the run does not end on one core. The calling thread turns events into callbacks, so
/// callers need no locks.
final class ExtractionRun: @unchecked Sendable {
  private let clips: [Clip]
  private let views: [FeatureView]
  private let options: FeatureOptions
  private let cache: FeatureCache?
  /// The backbone instances, shared out among `encoderThreads` threads once built.
  private let encoders: PendingEncoders
  private let encoderThreads: Int

  /// Clip views being encoded: a thread with no clip left helps finish the others'.
  private let board = FrameWorkBoard()
  private let buffers: BlockingQueue<FrameBatch>
  private let jobs: BlockingQueue<Job>
  private let events: BlockingQueue<Event>
  private let clock = ContinuousClock()
  private let timesLock = NSLock()
  /// Guarded by `timesLock`: the sum of every finished thread's stage times.
  private var stageSeconds = ExtractionSummary.StageSeconds()

  /// A decoded clip waiting for the backbone: one batch per square its missing views crop.
  private struct Job: Sendable {
    var index: Int
    var batches: [SquareCrop: FrameBatch]
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
    encoders: PendingEncoders, encoderCount: Int
  ) {
    self.clips = clips
    self.views = views
    self.options = options
    self.cache = cache
    self.encoders = encoders
    let threads = max(1, min(encoderCount, clips.count))
    encoderThreads = threads
    // One buffer per encoder thread plus one being decoded and one ready: the decoder stays a
    // clip ahead without holding frames for the whole dataset.
    let bufferCount = threads + 2
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
    let start = clock.now
    let threads = DispatchGroup()
    spawn(in: threads) { $0.decode() }
    for thread in 0..<encoderThreads {
      spawn(in: threads) { $0.encode(thread: thread) }
    }

    var summary = ExtractionSummary(
      total: clips.count, extracted: 0, cached: 0, failures: [], recomputedCorruptEntries: 0,
      framesEncoded: 0, seconds: 0, stageSeconds: .init())
    var failures: [(index: Int, failure: ClipFailure)] = []
    var sparse: [(index: Int, clip: SparseClip)] = []
    var fatal: ExtractionError?
    var done = 0
    listening: while done < clips.count, let event = events.pop() {
      switch event {
      case .fatal(let error):
        fatal = error
        break listening
      case .finished(let result, let corrupt, let frames):
        done += 1
        summary.recomputedCorruptEntries += corrupt
        summary.framesEncoded += frames
        switch result.outcome {
        case .failed(let reason):
          failures.append((result.index, ClipFailure(path: result.clip.path, reason: reason)))
        case .features(_, let computed):
          if computed.isEmpty { summary.cached += 1 } else { summary.extracted += 1 }
          if let features = result.features(), FrameCoverage(features).isSparse {
            sparse.append(
              (result.index, SparseClip(path: result.clip.path, frames: FrameCoverage(features))))
          }
        }
        receive(result)
        progress(
          ExtractionProgress(
            done: done, total: clips.count, cached: summary.cached, failed: failures.count,
            elapsed: seconds(since: start)))
      }
    }
    if fatal != nil {
      buffers.cancel()
      jobs.cancel()
      events.cancel()
    }
    threads.wait()
    if let fatal { throw fatal }

    summary.failures = failures.sorted { $0.index < $1.index }.map(\.failure)
    summary.sparseClips = sparse.sorted { $0.index < $1.index }.map(\.clip)
    summary.seconds = seconds(since: start)
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
    for index in clips.indices {
      guard decodeClip(at: index, times: &times) else { return }
    }
  }

  /// What the cache holds for one clip.
  private struct Found: Sendable {
    var keys: [FeatureView: CacheKey] = [:]
    var cached: [FeatureView: CachedFeatures] = [:]
    /// Damaged entries found (and removed by the cache), to be recomputed.
    var corrupt = 0
  }

  /// Answers clip `index` from the cache, or decodes it and queues it for an encoder, or
  /// reports it as failed. False when the run is over.
  private func decodeClip(at index: Int, times: inout ExtractionSummary.StageSeconds) -> Bool {
    let clip = clips[index]
    let found: Found
    do {
      found = try timed(\.lookup, &times) { () throws(FeatureCacheError) in try lookUp(clip) }
    } catch {
      return report(
        failure: FeatureExtractor.failureReason(error), cause: .cache(error), of: index,
        times: &times)
    }
    let missing = views.filter { found.cached[$0] == nil }
    if missing.isEmpty {
      let result = ExtractedClip(
        index: index, clip: clip, outcome: .features(found.cached, computed: []))
      return events.push(.finished(result, corruptEntries: found.corrupt, framesEncoded: 0))
    }

    // Each square is decoded on its own: decoding is a tenth of the work of encoding a view.
    var batches: [SquareCrop: FrameBatch] = [:]
    for crop in SquareCrop.allCases where missing.contains(where: { $0.crop == crop }) {
      guard var batch = buffers.pop() else {
        batches.values.forEach { buffers.push($0) }
        return false
      }
      do {
        try timed(\.decode, &times) { () throws(VideoError) in
          try VideoReader(url: clip.url).read(
            options.frameSampling, size: options.cropSize, crop: crop, bestEffort: true,
            into: &batch)
        }
      } catch {
        buffers.push(batch)
        batches.values.forEach { buffers.push($0) }
        let keys = missing.compactMap { found.keys[$0] }
        return report(
          failure: error.reason, cause: .video(error), of: index, recordingUnder: keys,
          times: &times)
      }
      batches[crop] = batch
    }
    let job = Job(
      index: index, batches: batches, missing: missing, keys: found.keys, cached: found.cached,
      corrupt: found.corrupt)
    return jobs.push(job)
  }

  private func lookUp(_ clip: Clip) throws(FeatureCacheError) -> Found {
    guard let cache else { return Found() }
    var found = Found()
    found.keys = try FeatureExtractor.cacheKeys(for: clip.url, options: options, views: views)
    for view in views {
      switch cache.lookup(found.keys[view]!) {
      case .hit(let features): found.cached[view] = features
      case .corrupt: found.corrupt += 1
      case .miss: break
      }
    }
    return found
  }

  /// Records a failed clip in the cache under `keys` and reports it. False when the run is over
  /// (the cache could not be written, or the run was cancelled).
  private func report(
    failure reason: String, cause: ExtractionError, of index: Int,
    recordingUnder keys: [CacheKey] = [],
    times: inout ExtractionSummary.StageSeconds
  ) -> Bool {
    if let cache {
      let recorded = timed(\.store, &times) { () -> FeatureCacheError? in
        for key in keys {
          do {
            try cache.recordFailure(reason, for: key)
          } catch {
            return Self.cacheError(error, at: cache.failureURL(for: key))
          }
        }
        return nil
      }
      if let recorded {
        events.push(.fatal(.cache(recorded)))
        return false
      }
    }
    var result = ExtractedClip(index: index, clip: clips[index], outcome: .failed(reason: reason))
    result.cause = cause
    return events.push(.finished(result, corruptEntries: 0, framesEncoded: 0))
  }

  // MARK: Encoder threads

  /// Encodes clips with every `encoderThreads`-th backbone instance from the `thread`-th on.
  private func encode(thread: Int) {
    var times = ExtractionSummary.StageSeconds()
    defer { addTimes(times) }
    let all: [FrameEncoder]
    do {
      all = try encoders.value()
    } catch {
      events.push(.fatal(error))
      return
    }
    let clipEncoder = ClipEncoder(
      encoders: stride(from: thread, to: all.count, by: encoderThreads).map { all[$0] },
      board: board)
    while var job = jobs.pop() {
      let computed = timed(\.encode, &times) {
        clipEncoder.features(of: job.batches, views: job.missing, frames: options.frames)
      }
      let frames = job.missing.map { job.batches[$0.crop]?.count ?? 0 }.reduce(0, +)
      recycle(&job.batches)
      if let cache {
        let failure = timed(\.store, &times) { () -> FeatureCacheError? in
          for (view, features) in computed {
            let key = job.keys[view]!
            do {
              try cache.store(features, for: key)
            } catch {
              return Self.cacheError(error, at: cache.entryURL(for: key))
            }
          }
          return nil
        }
        if let failure {
          events.push(.fatal(.cache(failure)))
          return
        }
      }
      let result = ExtractedClip(
        index: job.index, clip: clips[job.index],
        outcome: .features(job.cached.merging(computed) { $1 }, computed: Set(computed.keys)))
      guard events.push(.finished(result, corruptEntries: job.corrupt, framesEncoded: frames))
      else { return }
    }
    timed(\.encode, &times) { clipEncoder.help() }
  }

  /// Gives `batches` back to the pool keeping no reference to their frames: the decoder reuses
  /// a batch's storage only when it holds the sole reference, and otherwise copies on write
  /// into megabytes of fresh pages for every clip.
  private func recycle(_ batches: inout [SquareCrop: FrameBatch]) {
    while let (_, batch) = batches.popFirst() {
      buffers.push(consume batch)
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

  /// Runs `body`, adding the processor time it took on this thread to `stage` of `times`.
  /// Processor time rather than wall time, so the split between stages stays true when the
  /// threads share cores with each other or with other programs.
  private func timed<Value, Failure: Error>(
    _ stage: WritableKeyPath<ExtractionSummary.StageSeconds, Double>,
    _ times: inout ExtractionSummary.StageSeconds, _ body: () throws(Failure) -> Value
  ) throws(Failure) -> Value {
    let start = Self.threadProcessorSeconds()
    defer { times[keyPath: stage] += Self.threadProcessorSeconds() - start }
    return try body()
  }

  private static func threadProcessorSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
  }

  private func seconds(since start: ContinuousClock.Instant) -> Double {
    let elapsed = clock.now - start
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
  }

  private func addTimes(_ times: ExtractionSummary.StageSeconds) {
    timesLock.withLock { stageSeconds = stageSeconds + times }
  }

  private static func cacheError(_ error: any Error, at url: URL) -> FeatureCacheError {
    error as? FeatureCacheError ?? .cannotWrite(url, reason: "\(error)")
  }
}
