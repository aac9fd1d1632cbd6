import Backbones
import Foundation
import Pipeline
import Testing

/// Extraction used to check only the checkpoint's size and key the cache by the pinned digest:
/// 200 flipped bytes gave wrong features that stayed cached after the file was restored.
@Suite struct CheckpointVerificationTests {
  /// A private model store holding a copy of the real EfficientNet-Lite0 checkpoint.
  static func privateStore(in folder: URL) throws -> (ModelStore, URL) {
    let store = ModelStore(home: folder.appendingPathComponent("home"))
    let location = store.checkpointLocation(for: .efficientnetLite0)
    try FileManager.default.createDirectory(
      at: location.deletingLastPathComponent(), withIntermediateDirectories: true)
    try FileManager.default.copyItem(at: TestWeights.lite0(), to: location)
    return (store, location)
  }

  /// Overwrites the file's bytes in place (same inode and size), as `dd conv=notrunc` would.
  static func overwrite(_ url: URL, with bytes: [UInt8]) throws {
    let handle = try FileHandle(forUpdating: url)
    try handle.seek(toOffset: 0)
    try handle.write(contentsOf: bytes)
    try handle.close()
  }

  @Test func aDamagedCheckpointIsRefusedAndNothingIsCached() throws {
    let fixture = try ExtractionFixture()
    let (store, location) = try Self.privateStore(in: fixture.folder)
    let clips = try fixture.index().clips
    let options = ExtractionFixture.options

    let first = try store.loadVerified(.efficientnetLite0)
    #expect(
      first.hashed && first.sha256 == BackboneID.efficientnetLite0.spec.weights.checkpoint.sha256)
    #expect(
      FileManager.default.fileExists(
        atPath: store.verificationRecordURL(for: .efficientnetLite0).path))
    #expect(
      try !store.loadVerified(.efficientnetLite0).hashed, "an unchanged file is not re-hashed")
    let reference = try FeatureExtractor(options: options, cache: nil, models: store)
      .features(ofVideoAt: clips[0].url)[.original]

    let original = [UInt8](try Data(contentsOf: location))
    var damaged = original
    for index in 0..<200 { damaged[original.count / 3 + index * 4099] ^= 0xa5 }
    try Self.overwrite(location, with: damaged)
    let error = try #require(throws: ExtractionError.self) {
      try FeatureExtractor(options: options, cache: fixture.cache, models: store)
    }
    #expect(error.description.hasPrefix(location.path + ": SHA-256 is "), "\(error)")
    #expect(error.description.contains("vidi models fetch efficientnet-lite0"))
    #expect(!error.description.contains("\n"))
    #expect(try fixture.cacheFiles().isEmpty, "no features from an unverified checkpoint")
    #expect(throws: ExtractionError.self) {
      try FeatureExtractor(options: options, cache: fixture.cache, checkpoint: location)
    }

    try Self.overwrite(location, with: original)
    #expect(try store.loadVerified(.efficientnetLite0).hashed, "the changed file is hashed again")
    let extractor = try FeatureExtractor(options: options, cache: fixture.cache, models: store)
    #expect(extractor.weightsSHA256 == first.sha256)
    let summary = try extractor.extract(clips)
    #expect(summary.extracted == clips.count && summary.failures.isEmpty)
    let restored = try FeatureExtractor(options: options, cache: nil, models: store)
      .features(ofVideoAt: clips[0].url)[.original]
    #expect(restored == reference)
  }

  @Test func theRecordIsRenewedByAnExplicitVerify() throws {
    let folder = FileManager.default.temporaryDirectory
      .appendingPathComponent("vidi-verify-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: folder) }
    let (store, location) = try Self.privateStore(in: folder)
    let record = store.verificationRecordURL(for: .efficientnetLite0)
    #expect(try store.verify(.efficientnetLite0) == location)
    #expect(FileManager.default.fileExists(atPath: record.path))
    try Data("not a record".utf8).write(to: record)
    #expect(
      try store.loadVerified(.efficientnetLite0).hashed, "an unreadable record vouches for nothing")
    #expect(try !store.loadVerified(.efficientnetLite0).hashed)
  }
}
