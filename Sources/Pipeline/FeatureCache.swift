import Backbones
import Foundation

/// Per-clip frame features on disk, keyed by clip content and extraction settings, so features
/// are computed once per clip and reused across runs, datasets and processes.
///
/// One file per entry under a two-hex-digit shard folder (`ab/abcd….features`), so a quarter of
/// a million clips spread over 256 folders. Every file is written to a temporary name in its own
/// folder and renamed into place: readers never see a partial entry, several processes may
/// share one cache, and a killed extraction loses at most the entries it was writing. Entries
/// are verified on every load; a damaged one is removed and reported as corrupt, never served.
public struct FeatureCache: Sendable {
  /// The cache's root folder.
  public let directory: URL

  public init(directory: URL) {
    self.directory = directory
  }

  /// `features` under Vidi's home folder: `$VIDI_HOME`, else `$XDG_CACHE_HOME/vidi`, else
  /// `~/.cache/vidi`.
  public static func defaultDirectory(
    environment: [String: String] = ProcessInfo.processInfo.environment
  ) -> URL {
    ModelStore.home(environment: environment)
      .appendingPathComponent("features", isDirectory: true)
  }

  /// Throws unless the cache can hold entries: its folder, or the nearest existing folder
  /// above it, is not a file.
  public func checkUsable() throws(FeatureCacheError) {
    if let file = Self.fileInTheWay(of: directory) { throw .notAFolder(file) }
  }

  /// Removes the temporary files of writes that never finished (a killed process leaves them
  /// behind): those older than `age`, since a live write renames its file within milliseconds
  /// and several processes may share the cache. Returns how many were removed.
  @discardableResult
  public func removeStaleTemporaryFiles(olderThan age: TimeInterval = 600) -> Int {
    let fileManager = FileManager.default
    let cutoff = Date().addingTimeInterval(-age)
    let shards = (try? fileManager.contentsOfDirectory(atPath: directory.path)) ?? []
    var removed = 0
    for shard in shards where shard.count == 2 && shard.allSatisfy(\.isHexDigit) {
      let folder = directory.appendingPathComponent(shard, isDirectory: true)
      let names = (try? fileManager.contentsOfDirectory(atPath: folder.path)) ?? []
      for name in names where name.hasPrefix(".") {
        let url = folder.appendingPathComponent(name)
        let attributes = try? fileManager.attributesOfItem(atPath: url.path)
        guard attributes?[.type] as? FileAttributeType == .typeRegular,
          let modified = attributes?[.modificationDate] as? Date, modified < cutoff,
          (try? fileManager.removeItem(at: url)) != nil
        else { continue }
        removed += 1
      }
    }
    return removed
  }

  /// The key of the clip at `clip` under `settings`. Reads the whole clip.
  public func key(for clip: URL, settings: ExtractionSettings) throws -> CacheKey {
    try CacheKey(clipAt: clip, settings: settings)
  }

  /// The file holding the features for `key` (which may not exist yet).
  public func entryURL(for key: CacheKey) -> URL {
    shardURL(for: key).appendingPathComponent("\(key.identifier).features")
  }

  /// The file recording why the clip of `key` could not be extracted (which may not exist).
  public func failureURL(for key: CacheKey) -> URL {
    shardURL(for: key).appendingPathComponent("\(key.identifier).failed")
  }

  /// Looks `key` up, verifying the entry; a damaged entry is deleted so it gets recomputed.
  ///
  /// Another process may replace a damaged entry with a good one between the read and the
  /// delete; that only costs a recomputation.
  public func lookup(_ key: CacheKey) -> CacheLookup {
    let url = entryURL(for: key)
    guard let data = try? Data(contentsOf: url) else { return .miss }
    switch FeatureCacheEntry.decode(data, expecting: key) {
    case .success(let features):
      return .hit(features)
    case .failure(let defect):
      try? FileManager.default.removeItem(at: url)
      return .corrupt(reason: defect.rawValue)
    }
  }

  /// The features cached for `key`, or nil when there are none or they were damaged.
  public func load(_ key: CacheKey) -> CachedFeatures? {
    if case .hit(let features) = lookup(key) { return features }
    return nil
  }

  /// Stores `features` for `key` (as binary16), replacing any entry or failure record.
  public func store(_ features: CachedFeatures, for key: CacheKey) throws {
    let url = entryURL(for: key)
    let data: Data
    do {
      data = try FeatureCacheEntry.encode(features, key: key)
    } catch {
      throw FeatureCacheError.cannotWrite(url, reason: FeatureCacheError.describe(error))
    }
    try writeAtomically(data, to: url)
    try? FileManager.default.removeItem(at: failureURL(for: key))
  }

  /// Records that the clip of `key` could not be extracted, so a status report can list it.
  /// A later `store` for the same key replaces the record.
  public func recordFailure(_ reason: String, for key: CacheKey) throws {
    let url = failureURL(for: key)
    let record = FailureRecord(key: key, reason: reason)
    let data: Data
    do {
      let encoder = JSONEncoder()
      encoder.outputFormatting = .sortedKeys
      data = try encoder.encode(record)
    } catch {
      throw FeatureCacheError.cannotWrite(url, reason: FeatureCacheError.describe(error))
    }
    try writeAtomically(data, to: url)
  }

  /// The recorded failure reason for `key`, if any.
  public func failure(for key: CacheKey) -> String? {
    guard let data = try? Data(contentsOf: failureURL(for: key)),
      let record = try? JSONDecoder().decode(FailureRecord.self, from: data),
      record.key == key
    else { return nil }
    return record.reason
  }

  /// Whether `key` is cached, failed or missing. Checks only that an entry exists, so it stays
  /// cheap for whole datasets; `lookup` verifies the entry when it is used.
  public func state(of key: CacheKey) -> CacheEntryState {
    if FileManager.default.fileExists(atPath: entryURL(for: key).path) { return .cached }
    if let reason = failure(for: key) { return .failed(reason: reason) }
    return .missing
  }

  /// The state of every key, in order.
  public func status(for keys: [CacheKey]) -> CacheStatus {
    CacheStatus(states: keys.map(state(of:)))
  }

  private func shardURL(for key: CacheKey) -> URL {
    directory.appendingPathComponent(String(key.identifier.prefix(2)), isDirectory: true)
  }

  private func writeAtomically(_ data: Data, to url: URL) throws {
    let folder = url.deletingLastPathComponent()
    let temporary = folder.appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString)")
    do {
      try createFolder(folder)
      try data.write(to: temporary)
    } catch {
      try? FileManager.default.removeItem(at: temporary)
      if let file = Self.fileInTheWay(of: folder) { throw FeatureCacheError.notAFolder(file) }
      throw FeatureCacheError.cannotWrite(url, reason: FeatureCacheError.describe(error))
    }
    guard rename(temporary.path, url.path) == 0 else {
      let reason = String(cString: strerror(errno))
      try? FileManager.default.removeItem(at: temporary)
      throw FeatureCacheError.cannotWrite(url, reason: reason)
    }
  }

  /// The nearest existing item at or above `folder` when it is not a folder.
  static func fileInTheWay(of folder: URL) -> URL? {
    var url = folder.standardizedFileURL
    while true {
      var isFolder: ObjCBool = false
      if FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder) {
        return isFolder.boolValue ? nil : url
      }
      let parent = url.deletingLastPathComponent()
      guard parent.path != url.path else { return nil }
      url = parent
    }
  }

  /// Creates `folder` unless it exists; tolerates another process creating it at the same time.
  private func createFolder(_ folder: URL) throws {
    do {
      try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    } catch {
      var isDirectory: ObjCBool = false
      guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory),
        isDirectory.boolValue
      else { throw error }
    }
  }

  private struct FailureRecord: Codable {
    var key: CacheKey
    var reason: String
  }
}

/// The outcome of looking a key up.
public enum CacheLookup: Equatable, Sendable {
  case hit(CachedFeatures)
  case miss
  /// The entry was damaged (and has been removed); the reason says how.
  case corrupt(reason: String)
}

/// Where one key stands.
public enum CacheEntryState: Hashable, Sendable {
  case cached
  case failed(reason: String)
  case missing
}

/// The states of a list of keys, with their counts.
public struct CacheStatus: Equatable, Sendable {
  /// One state per key asked about, in the same order.
  public let states: [CacheEntryState]

  public init(states: [CacheEntryState]) {
    self.states = states
  }

  public var cachedCount: Int { states.count(where: { $0 == .cached }) }
  public var missingCount: Int { states.count(where: { $0 == .missing }) }
  public var failedCount: Int { states.count - cachedCount - missingCount }
}
