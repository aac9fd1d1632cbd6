import Foundation
import NumericCore
import Pipeline
import Testing

@Suite struct FeatureCacheTests {
  let root = FileManager.default.temporaryDirectory
    .appendingPathComponent("vidi-cache-test-\(UUID().uuidString)")
  var cache: FeatureCache { FeatureCache(directory: root.appendingPathComponent("features")) }

  static let settings = ExtractionSettings(
    backbone: .efficientnetLite0, weightsSHA256: String(repeating: "ab", count: 32),
    sampling: .uniform, frameCount: 4, cropSize: 224)

  static func key(_ content: String = "clip", settings: ExtractionSettings = settings) -> CacheKey {
    CacheKey(
      contentDigest: SHA256.hexDigest(of: Data(content.utf8)), fileSize: 1000, settings: settings)
  }

  /// Four frames of width 6, the last one padding; values are exact binary16 numbers.
  static let features = CachedFeatures(
    frameCount: 4, dimension: 6, values: (0..<24).map { Float($0 - 12) / 8 },
    mask: [true, true, true, false], frameIndices: [0, 10, 20, 20])

  func writeClip(_ name: String, bytes: [UInt8]) throws -> URL {
    try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    let url = root.appendingPathComponent(name)
    try Data(bytes).write(to: url)
    return url
  }

  func leftoverTemporaryFiles() throws -> [String] {
    let enumerator = FileManager.default.enumerator(atPath: cache.directory.path)
    return (enumerator?.allObjects as? [String] ?? []).filter {
      ($0 as NSString).lastPathComponent.hasPrefix(".")
    }
  }

  @Test func storedFeaturesComeBackExactlyWhenRepresentable() throws {
    defer { try? FileManager.default.removeItem(at: root) }
    let key = Self.key()
    #expect(cache.lookup(key) == .miss)
    try cache.store(Self.features, for: key)
    let loaded = try #require(cache.load(key))
    #expect(loaded == Self.features)
    #expect(loaded.validFrameCount == 3)
    #expect(Array(loaded.row(1)) == (6..<12).map { Float($0 - 12) / 8 })
  }

  @Test func arbitraryValuesComeBackWithinHalfPrecision() throws {
    defer { try? FileManager.default.removeItem(at: root) }
    let values: [Float] = (0..<(20 * 64)).map { index in
      let wave = Float(sin(Double(index) * 0.37))
      return wave * Float(1 << (index % 9))
    }
    let features = CachedFeatures(
      frameCount: 20, dimension: 64, values: values, mask: Array(repeating: true, count: 20),
      frameIndices: Array(0..<20))
    try cache.store(features, for: Self.key())
    let loaded = try #require(cache.load(Self.key()))
    for (original, restored) in zip(values, loaded.values) {
      let tolerance: Float = abs(original) * 0x1p-11
      #expect(abs(original - restored) <= tolerance)
    }
  }

  @Test func aFlippedByteAnywhereIsCaughtAndTheEntryRemoved() throws {
    defer { try? FileManager.default.removeItem(at: root) }
    let key = Self.key()
    try cache.store(Self.features, for: key)
    let url = cache.entryURL(for: key)
    let intact = try Data(contentsOf: url)
    for offset in [0, 9, 20, intact.count / 2, intact.count - 40, intact.count - 1] {
      var damaged = intact
      damaged[offset] ^= 0x10
      try damaged.write(to: url)
      guard case .corrupt = cache.lookup(key) else {
        Issue.record("byte \(offset) flipped went unnoticed")
        continue
      }
      #expect(!FileManager.default.fileExists(atPath: url.path))
      #expect(cache.lookup(key) == .miss)
    }
  }

  @Test func aTruncatedEntryIsCorrupt() throws {
    defer { try? FileManager.default.removeItem(at: root) }
    let key = Self.key()
    try cache.store(Self.features, for: key)
    let url = cache.entryURL(for: key)
    let intact = try Data(contentsOf: url)
    for length in [0, 5, 30, intact.count - 1] {
      try intact.prefix(length).write(to: url)
      #expect(cache.lookup(key) != .miss && cache.load(key) == nil)
      #expect(!FileManager.default.fileExists(atPath: url.path))
    }
  }

  @Test func anEntryIsNeverServedForAnotherKey() throws {
    defer { try? FileManager.default.removeItem(at: root) }
    let (mine, other) = (Self.key("mine"), Self.key("other"))
    try cache.store(Self.features, for: other)
    try FileManager.default.createDirectory(
      at: cache.entryURL(for: mine).deletingLastPathComponent(), withIntermediateDirectories: true)
    try FileManager.default.copyItem(at: cache.entryURL(for: other), to: cache.entryURL(for: mine))
    #expect(cache.lookup(mine) == .corrupt(reason: "entry belongs to another key"))
    #expect(cache.load(other) == Self.features)
  }

  @Test func theKeyFollowsContentAndSettings() throws {
    defer { try? FileManager.default.removeItem(at: root) }
    let bytes = (0..<5000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
    let a = try cache.key(for: writeClip("a.avi", bytes: bytes), settings: Self.settings)
    let sameBytes = try cache.key(for: writeClip("b.avi", bytes: bytes), settings: Self.settings)
    var edited = bytes
    edited[2500] ^= 1
    let editedKey = try cache.key(for: writeClip("c.avi", bytes: edited), settings: Self.settings)
    #expect(a == sameBytes && a.identifier == sameBytes.identifier)
    #expect(a.fileSize == 5000)
    #expect(a.contentDigest == SHA256.hexDigest(of: Data(bytes)))
    #expect(editedKey.identifier != a.identifier)

    var variants = [ExtractionSettings](repeating: Self.settings, count: 7)
    variants[0].backbone = .mobilenetV2
    variants[1].weightsSHA256 = String(repeating: "cd", count: 32)
    variants[2].sampling = .first
    variants[3].frameCount = 8
    variants[4].cropSize = 160
    variants[5].view = .flipped
    variants[6].precision = .bf16
    let identifiers = Set(
      variants.map { CacheKey(contentDigest: a.contentDigest, fileSize: 5000, settings: $0) }
        .map(\.identifier) + [a.identifier])
    #expect(identifiers.count == 8)
  }

  /// float32 settings carry no precision, so entries written before precisions existed keep
  /// their keys (and headers) and still decode.
  @Test func float32SettingsAreTheOldOnes() throws {
    let options = FeatureOptions(backbone: .efficientnetLite0, frames: 4)
    #expect(options.cacheSettings(view: .original).precision == nil)
    var reduced = options
    reduced.precision = .bf16
    #expect(reduced.cacheSettings(view: .original).precision == .bf16)
    let encoded = try JSONEncoder().encode(Self.settings)
    #expect(!String(decoding: encoded, as: UTF8.self).contains("precision"))
    let old = Data(
      #"{"backbone":"efficientnet-lite0","weightsSHA256":"ab","sampling":"uniform","frameCount":4,"cropSize":224,"view":"original"}"#
        .utf8)
    #expect(try JSONDecoder().decode(ExtractionSettings.self, from: old).precision == nil)
  }

  /// Scheme 1 keyed this clip by its first and last MiB: a clip differing only in the middle
  /// got the other's features.
  @Test func aLargeClipIsKeyedByEveryByte() throws {
    defer { try? FileManager.default.removeItem(at: root) }
    let size = (5 << 20) + 4096
    let bytes = (0..<size).map { UInt8(truncatingIfNeeded: $0 % 253) }
    let original = try cache.key(for: writeClip("big.avi", bytes: bytes), settings: Self.settings)
    var middle = bytes
    middle[size / 2] ^= 1
    let middleEdited = try cache.key(
      for: writeClip("middle.avi", bytes: middle), settings: Self.settings)
    #expect(original.fileSize == Int64(size))
    #expect(original.contentDigest == SHA256.hexDigest(of: Data(bytes)))
    #expect(middleEdited.contentDigest != original.contentDigest)
    #expect(middleEdited.identifier != original.identifier)
    try cache.store(Self.features, for: original)
    #expect(cache.lookup(middleEdited) == .miss)
  }

  @Test func aMissingClipIsOneLineNamingIt() throws {
    let url = root.appendingPathComponent("absent.avi")
    let error = #expect(throws: FeatureCacheError.self) {
      try cache.key(for: url, settings: Self.settings)
    }
    #expect(error?.description.hasPrefix(url.path + ": cannot read clip: ") == true)
    #expect(error?.description.contains("\n") == false)
  }

  @Test func failuresAreRecordedCountedAndReplacedBySuccess() throws {
    defer { try? FileManager.default.removeItem(at: root) }
    let keys = [Self.key("good"), Self.key("bad"), Self.key("new")]
    try cache.store(Self.features, for: keys[0])
    try cache.recordFailure("no video stream", for: keys[1])
    let status = cache.status(for: keys)
    #expect(status.states == [.cached, .failed(reason: "no video stream"), .missing])
    #expect(status.cachedCount == 1 && status.failedCount == 1 && status.missingCount == 1)
    #expect(cache.load(keys[1]) == nil)

    try cache.store(Self.features, for: keys[1])
    #expect(cache.state(of: keys[1]) == .cached)
    #expect(cache.failure(for: keys[1]) == nil)
    #expect(!FileManager.default.fileExists(atPath: cache.failureURL(for: keys[1]).path))
  }

  @Test func entriesAreShardedAndWritesLeaveNoTemporaryFiles() throws {
    defer { try? FileManager.default.removeItem(at: root) }
    for index in 0..<40 {
      try cache.store(Self.features, for: Self.key("clip \(index)"))
    }
    try cache.recordFailure("unreadable", for: Self.key("broken"))
    let shards = try FileManager.default.contentsOfDirectory(atPath: cache.directory.path)
    #expect(shards.count > 10 && shards.allSatisfy { $0.count == 2 })
    #expect(try leftoverTemporaryFiles().isEmpty)
    let key = Self.key("clip 7")
    #expect(
      cache.entryURL(for: key).deletingLastPathComponent().lastPathComponent
        == String(key.identifier.prefix(2)))
  }

  @Test func concurrentWritersOfOneKeyLeaveOneIntactEntry() async throws {
    defer { try? FileManager.default.removeItem(at: root) }
    let cache = self.cache
    let key = Self.key()
    try await withThrowingTaskGroup(of: Void.self) { group in
      for writer in 0..<8 {
        group.addTask {
          for round in 0..<10 {
            try cache.store(Self.features, for: key)
            try cache.store(Self.features, for: Self.key("writer \(writer) round \(round)"))
            #expect(cache.load(key) == Self.features)
          }
        }
      }
      try await group.waitForAll()
    }
    #expect(cache.load(key) == Self.features)
    #expect(try leftoverTemporaryFiles().isEmpty)
  }

  @Test func theDefaultLocationFollowsVidiHomeThenXDGThenHome() {
    let vidi = FeatureCache.defaultDirectory(environment: ["VIDI_HOME": "/v", "HOME": "/h"])
    let xdg = FeatureCache.defaultDirectory(environment: ["XDG_CACHE_HOME": "/x", "HOME": "/h"])
    let home = FeatureCache.defaultDirectory(environment: ["HOME": "/h"])
    #expect(vidi.path == "/v/features")
    #expect(xdg.path == "/x/vidi/features")
    #expect(home.path == "/h/.cache/vidi/features")
  }
}
