import Foundation

/// What extraction produced for one clip.
public struct ExtractedClip: Sendable {
  /// The clip's position in the list given to the extractor.
  public let index: Int
  public let clip: Clip
  public let outcome: Outcome
  /// Why a failed clip failed, for the single-video path, which throws it.
  var cause: ExtractionError?

  public enum Outcome: Sendable {
    /// Features of every requested view; `computed` names the views encoded by this run, the
    /// others came from the cache.
    case features([FeatureView: CachedFeatures], computed: Set<FeatureView>)
    /// The clip could not be used; the reason is one line.
    case failed(reason: String)
  }

  public init(index: Int, clip: Clip, outcome: Outcome) {
    self.index = index
    self.clip = clip
    self.outcome = outcome
  }

  /// The features of `view`, nil when the clip failed.
  public func features(_ view: FeatureView = .original) -> CachedFeatures? {
    guard case .features(let features, _) = outcome else { return nil }
    return features[view]
  }

  /// Why the clip failed, nil when it has features.
  public var failureReason: String? {
    guard case .failed(let reason) = outcome else { return nil }
    return reason
  }

  /// True when every view came from the cache.
  public var wasCached: Bool {
    guard case .features(_, let computed) = outcome else { return false }
    return computed.isEmpty
  }
}

/// A clip that could not be extracted, for listings.
public struct ClipFailure: Sendable, Hashable, Codable {
  /// The clip's path inside the dataset.
  public var path: String
  /// One line.
  public var reason: String

  public init(path: String, reason: String) {
    self.path = path
    self.reason = reason
  }
}

/// A clip whose features rest on under half the frames requested.
public struct SparseClip: Sendable, Hashable, Codable {
  public var path: String
  public var frames: FrameCoverage

  public init(path: String, frames: FrameCoverage) {
    self.path = path
    self.frames = frames
  }

  /// One line for a listing.
  public var warning: String { frames.warning(for: path) ?? path }
}

/// How far an extraction has come, reported after every clip.
public struct ExtractionProgress: Sendable, Hashable {
  /// Clips finished (extracted, cached or failed).
  public var done: Int
  public var total: Int
  /// Clips whose every view came from the cache.
  public var cached: Int
  public var failed: Int
  /// Seconds since the extraction started.
  public var elapsed: Double

  public init(done: Int, total: Int, cached: Int, failed: Int, elapsed: Double) {
    self.done = done
    self.total = total
    self.cached = cached
    self.failed = failed
    self.elapsed = elapsed
  }

  /// Clips encoded by this run.
  public var extracted: Int { done - cached - failed }

  /// Clips finished per second so far.
  public var rate: Double { elapsed > 0 ? Double(done) / elapsed : 0 }

  /// Seconds left at the current rate; nil before the first clip is done.
  public var eta: Double? {
    guard done > 0, rate > 0 else { return nil }
    return Double(total - done) / rate
  }

  /// Fraction done, 0...1 (1 for an empty list).
  public var fraction: Double { total > 0 ? Double(done) / Double(total) : 1 }
}

/// What an extraction run did, with where its time went.
public struct ExtractionSummary: Sendable, Hashable, Codable {
  public var total: Int
  /// Clips encoded by this run (some of their views may have been cached).
  public var extracted: Int
  /// Clips whose every view came from the cache: nothing was decoded.
  public var cached: Int
  /// Clips that could not be used, in input order.
  public var failures: [ClipFailure]
  /// Damaged cache entries that were found, discarded and recomputed.
  public var recomputedCorruptEntries: Int
  /// Clips with under half their requested frames decoded (see `FrameCoverage.isSparse`), in
  /// input order: their features rest on few frames.
  public var sparseClips: [SparseClip] = []
  /// Frames run through the backbone (every view counted).
  public var framesEncoded: Int
  /// Wall-clock seconds of the whole run.
  public var seconds: Double
  /// Processor seconds spent in each stage, summed over threads. Stages run side by side, so
  /// these add up to more than `seconds` when several cores were busy.
  public var stageSeconds: StageSeconds

  public struct StageSeconds: Sendable, Hashable, Codable {
    /// Hashing clips for their cache keys and reading and verifying cache entries.
    public var lookup: Double = 0
    /// Decoding, sampling, cropping and resizing frames.
    public var decode: Double = 0
    /// Running the backbone.
    public var encode: Double = 0
    /// Writing cache entries and failure records.
    public var store: Double = 0

    public init() {}

    static func + (lhs: Self, rhs: Self) -> Self {
      var sum = lhs
      sum.lookup += rhs.lookup
      sum.decode += rhs.decode
      sum.encode += rhs.encode
      sum.store += rhs.store
      return sum
    }
  }

  public var failed: Int { failures.count }

  /// Clips finished per second.
  public var clipsPerSecond: Double { seconds > 0 ? Double(total) / seconds : 0 }

  /// Frames encoded per second.
  public var framesPerSecond: Double { seconds > 0 ? Double(framesEncoded) / seconds : 0 }
}

/// Where every clip of a dataset stands in the cache, without extracting anything.
public struct ExtractionStatus: Sendable, Hashable {
  /// One state per clip, in the order asked about. A clip is cached when every view is, failed
  /// when a view's extraction failed (or the clip cannot be read), missing otherwise.
  public let states: [CacheEntryState]
  /// The failed clips with their reasons, in order.
  public let failures: [ClipFailure]

  public init(states: [CacheEntryState], failures: [ClipFailure]) {
    self.states = states
    self.failures = failures
  }

  public var total: Int { states.count }
  public var cached: Int { states.count(where: { $0 == .cached }) }
  public var missing: Int { states.count(where: { $0 == .missing }) }
  public var failed: Int { total - cached - missing }
}
