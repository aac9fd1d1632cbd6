import Backbones
import Foundation
import VideoIO

/// Computes per-frame backbone features of clips, through the feature cache.
///
/// A batch runs as a pipeline: one thread hashes clips, looks them up in the cache and decodes
/// the frames of those that miss; encoder threads run the backbone on decoded clips and store
/// each clip's features the moment they exist. Cache hits are never decoded. Decoded frames
/// live in a small pool of reusable buffers, so memory depends on the number of threads, not on
/// the number of clips, and the cache itself is the only state: a run that is stopped and
/// started again continues where it was.
///
///     let extractor = try FeatureExtractor(options: FeatureOptions(frames: 20), cache: cache)
///     let summary = try extractor.extract(
///       index.clips, progress: { print($0.done, "of", $0.total) },
///       receive: { clip in if let features = clip.features() { use(clip.clip, features) } })
///
/// Use one extractor from one thread at a time; it keeps every core it was given busy.
public final class FeatureExtractor: Sendable {
  public let options: FeatureOptions
  /// Where features are looked up and stored; nil to compute without caching.
  public let cache: FeatureCache?
  /// Cores the extractor keeps busy.
  public let threads: Int
  /// One single-threaded backbone instance per thread, each encoding whole clips: no thread
  /// waits for another at the end of a clip, and the decoder thread (a tenth of the processor
  /// time on UCF101 clips) takes its share of the cores from whichever encoder it interrupts.
  /// Only the last clips of a run are shared out frame by frame (`FrameWork`). Built in the
  /// background from `init` on.
  private let pendingEncoders: PendingEncoders

  /// SHA-256 of the checkpoint the encoders were built from, hex: verified to be the pinned
  /// digest the cache keys carry (`FeatureOptions.weightsSHA256`).
  public let weightsSHA256: String

  /// Loads the backbone from `models` (Vidi's model cache by default), after checking the
  /// checkpoint's content against its pinned SHA-256 (a full hash only when the file changed
  /// since its last check). The weights are unpacked in the background (`PendingEncoders`):
  /// the first extraction waits for them, and throws `.checkpoint` if they could not be built.
  ///
  /// - Parameter threads: cores to use; by default every active processor.
  /// - Throws: `.weights` when the weights have not been fetched or are damaged (the message
  ///   names the command that fetches them).
  public convenience init(
    options: FeatureOptions = FeatureOptions(), cache: FeatureCache?, threads: Int? = nil,
    models: ModelStore = ModelStore()
  ) throws(ExtractionError) {
    let checkpoint: VerifiedCheckpoint
    do {
      checkpoint = try models.loadVerified(options.backbone)
    } catch {
      throw .weights(error)
    }
    try self.init(options: options, cache: cache, threads: threads, verified: checkpoint)
  }

  /// Loads the backbone's weights from `checkpoint`, which must hold the backbone's pinned
  /// weights (hashed here in full).
  public convenience init(
    options: FeatureOptions, cache: FeatureCache?, threads: Int? = nil, checkpoint: URL
  ) throws(ExtractionError) {
    let bytes: [UInt8]
    do {
      bytes = try [UInt8](contentsOfFile: checkpoint)
    } catch {
      throw .checkpoint(
        options.backbone,
        detail: CheckpointError(file: checkpoint.path, reason: .notACheckpoint("cannot be read"))
          .description)
    }
    let verified: VerifiedCheckpoint
    do {
      verified = try VerifiedCheckpoint(
        checking: bytes, from: checkpoint, backbone: options.backbone)
    } catch {
      throw .weights(error)
    }
    try self.init(options: options, cache: cache, threads: threads, verified: verified)
  }

  private init(
    options: FeatureOptions, cache: FeatureCache?, threads: Int?, verified: VerifiedCheckpoint
  ) throws(ExtractionError) {
    do {
      try cache?.checkUsable()
    } catch {
      throw .cache(error)
    }
    self.options = options
    self.cache = cache
    self.threads = max(1, threads ?? ProcessInfo.processInfo.activeProcessorCount)
    weightsSHA256 = verified.sha256
    guard options.precision.isSupported else {
      throw .precision(UnsupportedPrecision(precision: options.precision))
    }
    let (backbone, precision, count) = (options.backbone, options.precision, self.threads)
    pendingEncoders = PendingEncoders {
      Result { () throws(ExtractionError) in
        do throws(CheckpointError) {
          let stateDict = try TorchCheckpoint.load(
            bytes: verified.bytes, source: verified.url.path)
          return try FrameEncoder.replicas(
            count, backbone: backbone, stateDict: stateDict, threads: 1, precision: precision)
        } catch {
          throw .checkpoint(backbone, detail: error.description)
        }
      }
    }
  }

  /// The backbone instances, one per thread, waiting for their build when it is still running.
  ///
  /// - Throws: `.checkpoint` when the verified weights could not be built into the backbone.
  func encoders() throws(ExtractionError) -> [FrameEncoder] {
    try pendingEncoders.value()
  }

  // MARK: Batches

  /// Extracts `views` of every clip, handing each clip's outcome to `receive` as soon as it is
  /// known and reporting `progress` after each clip; both run on the calling thread, one call at
  /// a time, in completion order (`ExtractedClip.index` gives the input position).
  ///
  /// A clip that cannot be read, decoded or keyed is reported as failed (and recorded in the
  /// cache for `status`), and the run goes on.
  ///
  /// - Throws: `.cache` when the cache cannot be written; the run stops, keeping every entry
  ///   stored before. `.checkpoint` when the verified weights could not be built into the
  ///   backbone.
  @discardableResult
  public func extract(
    _ clips: [Clip], views: [FeatureView] = [.original],
    progress: (ExtractionProgress) -> Void = { _ in },
    receive: (ExtractedClip) -> Void = { _ in }
  ) throws(ExtractionError) -> ExtractionSummary {
    cache?.removeStaleTemporaryFiles()
    return try run(clips, views: views, cache: cache, progress: progress, receive: receive)
  }

  /// Extracts `views` of every clip and returns every outcome in input order. Holds all the
  /// features in memory; use `extract(_:views:progress:receive:)` to stream them instead.
  public func extractAll(
    _ clips: [Clip], views: [FeatureView] = [.original],
    progress: (ExtractionProgress) -> Void = { _ in }
  ) throws(ExtractionError) -> (clips: [ExtractedClip], summary: ExtractionSummary) {
    var outcomes: [ExtractedClip] = []
    outcomes.reserveCapacity(clips.count)
    let summary = try extract(clips, views: views, progress: progress) { outcomes.append($0) }
    return (outcomes.sorted { $0.index < $1.index }, summary)
  }

  private func run(
    _ clips: [Clip], views: [FeatureView], cache: FeatureCache?,
    progress: (ExtractionProgress) -> Void = { _ in }, receive: (ExtractedClip) -> Void
  ) throws(ExtractionError) -> ExtractionSummary {
    let run = ExtractionRun(
      clips: clips, views: Self.normalized(views), options: options, cache: cache,
      encoders: pendingEncoders, encoderCount: threads)
    return try run.perform(progress: progress, receive: receive)
  }

  // MARK: One video

  /// The features of the video at `url` for each of `views`, through the same run as a batch
  /// (every thread works on its frames). With `useCache` (and a cache), cached views are read
  /// instead of computed, computed ones are stored, and a failure is recorded.
  ///
  /// - Throws: `.video` when the video cannot be decoded, `.cache` when it cannot be read or
  ///   the cache cannot be written.
  public func features(
    ofVideoAt url: URL, views: [FeatureView] = [.original], useCache: Bool = true
  ) throws(ExtractionError) -> [FeatureView: CachedFeatures] {
    let clip = Clip(url: url, path: url.path, label: "", split: .unassigned, group: nil)
    var outcome: ExtractedClip.Outcome = .failed(reason: "not extracted")
    var cause: ExtractionError?
    _ = try run([clip], views: views, cache: useCache ? cache : nil) {
      outcome = $0.outcome
      cause = $0.cause
    }
    switch outcome {
    case .features(let features, _): return features
    case .failed(let reason):
      throw cause ?? .cache(.unreadableClip(url, reason: reason))
    }
  }

  // MARK: Keys

  /// The keys of the clip at `url` for each view; the clip is read once.
  static func cacheKeys(
    for url: URL, options: FeatureOptions, views: [FeatureView]
  ) throws(FeatureCacheError) -> [FeatureView: CacheKey] {
    guard let first = views.first else { return [:] }
    let content = try CacheKey(clipAt: url, settings: options.cacheSettings(view: first))
    var keys: [FeatureView: CacheKey] = [:]
    for view in views {
      keys[view] = CacheKey(
        contentDigest: content.contentDigest, fileSize: content.fileSize,
        settings: options.cacheSettings(view: view))
    }
    return keys
  }

  /// Why a clip whose key could not be computed failed, without its path (listings show it).
  static func failureReason(_ error: FeatureCacheError) -> String {
    switch error {
    case .unreadableClip(_, let reason): "cannot read the file: \(reason)"
    case .cannotWrite(_, let reason): reason
    case .notAFolder: error.description
    }
  }

  /// Each view once, in a fixed order, so results do not depend on how views were listed.
  static func normalized(_ views: [FeatureView]) -> [FeatureView] {
    let unique = Set(views)
    return unique.isEmpty ? [.original] : unique.sorted()
  }
}
