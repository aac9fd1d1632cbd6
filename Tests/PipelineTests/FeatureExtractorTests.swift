import Backbones
import Foundation
import Pipeline
import Reporting
import Testing
import VideoIO

@Suite struct FeatureExtractorTests {
  @Test func extractsEveryClipOnceThenServesThemFromTheCache() throws {
    let fixture = try ExtractionFixture()
    let clips = try fixture.index().clips
    let extractor = try fixture.extractor()
    var reports: [ExtractionProgress] = []
    let first = try extractor.extractAll(clips) { reports.append($0) }

    #expect(first.summary.total == fixture.clipCount)
    #expect(first.summary.extracted == fixture.clipCount)
    #expect(first.summary.cached == 0 && first.summary.failures.isEmpty)
    #expect(first.summary.framesEncoded == fixture.clipCount * 4)
    #expect(first.clips.map(\.index) == Array(clips.indices))
    for result in first.clips {
      let features = try #require(result.features())
      #expect(features.frameCount == 4 && features.dimension == 1280)
      #expect(features.mask == [true, true, true, true])
      #expect(features.frameIndices == [0, 2, 3, 5], "uniform 4 of 6: centres of 4 segments")
      #expect(features.values.allSatisfy { $0.isFinite && $0 >= 0 }, "pooled ReLU6 outputs")
      #expect(!result.wasCached)
    }
    #expect(reports.map(\.done) == Array(1...fixture.clipCount))
    #expect(reports.last?.total == fixture.clipCount && reports.last?.eta == 0)

    let second = try extractor.extractAll(clips)
    #expect(second.summary.cached == fixture.clipCount)
    #expect(second.summary.extracted == 0 && second.summary.framesEncoded == 0)
    #expect(second.clips.allSatisfy { $0.wasCached })
    for (fresh, cached) in zip(first.clips, second.clips) {
      #expect(fresh.features() == cached.features(), "fresh features are rounded like cached")
    }
  }

  @Test(arguments: [BackboneID.efficientnetLite1, .efficientnetLite2])
  func framesAreCroppedToTheBackbonesInputSize(backbone: BackboneID) throws {
    let fixture = try ExtractionFixture()
    let options = FeatureOptions(backbone: backbone, frames: 2)
    let size = backbone.spec.inputSize
    #expect(options.cropSize == size)
    #expect(options.cacheSettings(view: .original).cropSize == size)
    #expect(options.provenance.cropSize == size)
    let clip = try #require(try fixture.index().clips.first)
    let extractor = try FeatureExtractor(
      options: options, cache: nil, threads: 1, checkpoint: TestWeights.url(backbone))
    let features = try #require(
      try extractor.features(ofVideoAt: clip.url, useCache: false)[.original])
    #expect(features.frameCount == 2 && features.dimension == 1280)

    // The same frames read at the backbone's size and encoded directly.
    let batch = try VideoReader(url: clip.url).read(options.frameSampling, size: size)
    let encoder = try FrameEncoder(backbone: backbone, checkpoint: TestWeights.url(backbone))
    #expect(batch.size == size)
    let direct = encoder.features(frames: batch.pixels, count: batch.count)
    let error = VectorError(features.values, reference: direct.map(Double.init))
    #expect(error.relativeL2 < 1e-3, "features as cached (half precision): \(error)")
  }

  @Test func addingAClipExtractsOnlyThatClip() throws {
    let fixture = try ExtractionFixture()
    let extractor = try fixture.extractor()
    try extractor.extract(fixture.index().clips)
    let existing = fixture.dataset.appendingPathComponent("train/wave/clip_000.avi")
    let added = fixture.dataset.appendingPathComponent("train/squat/clip_new.avi")
    try FeatureExtractorTests.writeMirroredCopy(of: existing, to: added)

    let clips = try fixture.index().clips
    var computed: [String] = []
    let summary = try extractor.extract(
      clips,
      receive: { result in
        if !result.wasCached { computed.append(result.clip.path) }
      })
    #expect(summary.extracted == 1 && summary.cached == fixture.clipCount)
    #expect(computed == ["train/squat/clip_new.avi"])
  }

  @Test func aStoppedRunResumesWhereItStopped() throws {
    let fixture = try ExtractionFixture()
    let clips = try fixture.index().clips
    let extractor = try fixture.extractor()
    try extractor.extract(Array(clips.prefix(3)))
    // A process killed while writing leaves only a hidden temporary file, never a partial entry.
    let key = try fixture.cache.key(
      for: clips[4].url, settings: ExtractionFixture.options.cacheSettings(view: .original))
    let entry = fixture.cache.entryURL(for: key)
    let partial = entry.deletingLastPathComponent()
      .appendingPathComponent(".\(entry.lastPathComponent).\(UUID().uuidString)")
    try FileManager.default.createDirectory(
      at: partial.deletingLastPathComponent(), withIntermediateDirectories: true)
    try Data("VIDIFEAT".utf8).write(to: partial)

    var computed: [Int] = []
    let summary = try extractor.extract(
      clips, receive: { if !$0.wasCached { computed.append($0.index) } })
    #expect((summary.cached, summary.extracted) == (3, fixture.clipCount - 3))
    #expect(computed.sorted() == Array(3..<fixture.clipCount))
  }

  @Test func unreadableClipsAreReportedAndTheOthersExtracted() throws {
    let fixture = try ExtractionFixture()
    _ = try fixture.writeGarbage("train/wave/garbage.avi")
    let whole = try Data(
      contentsOf: fixture.dataset.appendingPathComponent("test/wave/clip_000.avi"))
    try whole.prefix(whole.count / 3).write(
      to: fixture.dataset.appendingPathComponent("test/wave/cut.avi"))
    let clips = try fixture.index().clips
    #expect(clips.count == fixture.clipCount + 2)

    let (results, summary) = try fixture.extractor().extractAll(clips)
    #expect(summary.extracted == fixture.clipCount)
    #expect(summary.failures.map(\.path) == ["train/wave/garbage.avi", "test/wave/cut.avi"])
    #expect(summary.failures.allSatisfy { !$0.reason.isEmpty && !$0.reason.contains("\n") })
    let failed = results.filter { $0.failureReason != nil }.map(\.clip.path)
    #expect(Set(failed) == ["train/wave/garbage.avi", "test/wave/cut.avi"])

    let status = fixture.cache.status(of: clips, options: ExtractionFixture.options)
    #expect((status.cached, status.missing, status.failed) == (fixture.clipCount, 0, 2))
    #expect(status.failures == summary.failures, "failures are recorded with their reasons")
  }

  @Test func aDamagedCacheEntryIsRecomputedNotTrusted() throws {
    let fixture = try ExtractionFixture()
    let clips = try fixture.index().clips
    let extractor = try fixture.extractor()
    let first = try extractor.extractAll(clips)
    let key = try fixture.cache.key(
      for: clips[0].url, settings: ExtractionFixture.options.cacheSettings(view: .original))
    let entry = fixture.cache.entryURL(for: key)
    var bytes = try Data(contentsOf: entry)
    bytes[bytes.count / 2] ^= 0x40
    try bytes.write(to: entry)

    let second = try extractor.extractAll(clips)
    #expect(second.summary.recomputedCorruptEntries == 1)
    #expect(second.summary.extracted == 1 && second.summary.cached == fixture.clipCount - 1)
    #expect(!second.clips[0].wasCached)
    #expect(second.clips[0].features() == first.clips[0].features())
    #expect(fixture.cache.lookup(key) == .hit(try #require(first.clips[0].features())))
  }

  @Test func statusCountsWithoutExtracting() throws {
    let fixture = try ExtractionFixture()
    let clips = try fixture.index().clips
    let options = ExtractionFixture.options
    let before = fixture.cache.status(of: clips, options: options, views: [.original, .flipped])
    #expect((before.cached, before.missing, before.failed) == (0, fixture.clipCount, 0))
    #expect(try fixture.cacheFiles().isEmpty, "status writes nothing")

    try fixture.extractor().extract(Array(clips.prefix(2)))
    let after = fixture.cache.status(of: clips, options: options)
    #expect((after.cached, after.missing) == (2, fixture.clipCount - 2))
    let withFlip = fixture.cache.status(of: clips, options: options, views: [.original, .flipped])
    #expect(withFlip.cached == 0, "a clip counts as cached only when every view is")
  }

  @Test func shardRunsTogetherFillTheSameCacheAsOneRun() throws {
    let fixture = try ExtractionFixture()
    let clips = try fixture.index().clips
    let whole = FeatureCache(directory: fixture.folder.appendingPathComponent("whole"))
    try fixture.extractor(cache: whole).extract(clips)

    let extractor = try fixture.extractor(threads: 1)
    var covered: [String] = []
    for index in 0..<3 {
      let shard = try #require(Shard(index: index, count: 3))
      let part = shard.select(clips.reversed())
      #expect(!part.isEmpty, "shard \(shard) of the fixture's six clips is empty")
      covered += part.map(\.path)
      try extractor.extract(part)
    }
    #expect(covered.sorted() == clips.map(\.path).sorted())
    #expect(try fixture.cacheFiles() == fixture.cacheFiles(whole))
  }

  @Test func flippedViewIsTheMirroredVideosOriginalView() throws {
    let fixture = try ExtractionFixture()
    let picture = fixture.folder.appendingPathComponent("picture.png")
    let mirrored = fixture.folder.appendingPathComponent("mirrored.png")
    let image = Self.asymmetricPicture(side: 224)
    var flippedPixels: [Float] = []
    FrameMirror.mirror(image.pixels.map(Float.init), size: 224, into: &flippedPixels)
    let flippedImage = RGBThumbnail(
      width: 224, height: 224, pixels: flippedPixels.map { UInt8($0) })
    try Data(PNGEncoder.encode(image)).write(to: picture)
    try Data(PNGEncoder.encode(flippedImage)).write(to: mirrored)

    let extractor = try fixture.extractor()
    let views = try extractor.features(ofVideoAt: picture, views: [.original, .flipped])
    let reference = try extractor.features(ofVideoAt: mirrored, useCache: false)
    let original = try #require(views[.original])
    let flipped = try #require(views[.flipped])
    #expect(flipped == reference[.original])
    #expect(flipped.mask == [true, false, false, false], "a picture is a one-frame video")
    let difference = zip(original.values, flipped.values).map { abs($0 - $1) }.max() ?? 0
    #expect(difference > 0.05, "mirroring changes the features of an asymmetric picture")

    let cached = fixture.cache.status(
      of: [Clip(url: picture, path: "picture.png", label: "x", split: .unassigned, group: nil)],
      options: ExtractionFixture.options, views: [.original, .flipped])
    #expect(cached.cached == 1, "single-video extraction stores both views")
  }

  @Test func augmentedRunStoresBothViewsAndComputesOnlyTheMissingOne() throws {
    let fixture = try ExtractionFixture()
    let clips = try fixture.index().clips
    let extractor = try fixture.extractor()
    try extractor.extract(clips)
    let (results, summary) = try extractor.extractAll(clips, views: [.flipped, .original])
    #expect(summary.extracted == fixture.clipCount)
    #expect(summary.framesEncoded == fixture.clipCount * 4, "only the flipped view is encoded")
    for result in results {
      guard case .features(let features, let computed) = result.outcome else {
        Issue.record("\(result.clip.path) failed")
        continue
      }
      #expect(computed == [.flipped])
      #expect(features[.original] != features[.flipped])
    }
  }

  @Test func shortClipsArePaddedWithMaskedRows() throws {
    let fixture = try ExtractionFixture()
    let clip = try #require(fixture.index().clips.first)
    let extractor = try FeatureExtractor(
      options: FeatureOptions(frames: 9, sampling: .first), cache: nil,
      checkpoint: TestWeights.lite0())
    let features = try #require(extractor.features(ofVideoAt: clip.url)[.original])
    #expect(features.frameCount == 9 && features.validFrameCount == 6)
    #expect(features.mask == Array(repeating: true, count: 6) + Array(repeating: false, count: 3))
    #expect(features.frameIndices == [0, 1, 2, 3, 4, 5, 5, 5, 5])
    #expect(features.values[(6 * 1280)...].allSatisfy { $0 == 0 })
    #expect(try fixture.cacheFiles().isEmpty, "no cache given, nothing stored")
  }

  /// A cache path that is a file said "NSCocoaErrorDomain error 512".
  @Test func aCachePathThatIsAFileIsRefusedInWords() throws {
    let fixture = try ExtractionFixture()
    let blocker = fixture.folder.appendingPathComponent("not-a-folder")
    try Data("x".utf8).write(to: blocker)
    for cache in [blocker, blocker.appendingPathComponent("features")] {
      let error = try #require(throws: ExtractionError.self) {
        try fixture.extractor(cache: FeatureCache(directory: cache))
      }
      #expect(
        error.description
          == "\(blocker.path): cannot hold the feature cache: it is a file, not a folder")
    }
  }

  @Test func aCacheFolderReplacedByAFileStopsTheRunWithOneLine() throws {
    let fixture = try ExtractionFixture()
    let later = fixture.folder.appendingPathComponent("later")
    let extractor = try fixture.extractor(cache: FeatureCache(directory: later))
    try Data("x".utf8).write(to: later)
    let clips = try fixture.index().clips
    let error = try #require(throws: ExtractionError.self) { try extractor.extract(clips) }
    guard case .cache(let cacheError) = error else {
      Issue.record("expected a cache error, got \(error)")
      return
    }
    #expect(
      cacheError.description
        == "\(later.path): cannot hold the feature cache: it is a file, not a folder")
    #expect(!error.description.contains("\n") && !error.description.contains("NSCocoaErrorDomain"))
  }

  /// Twenty `kill -9`s during extraction left temporary files in the cache for ever.
  @Test func extractionRemovesStaleTemporaryFiles() throws {
    let fixture = try ExtractionFixture()
    let shard = fixture.cache.directory.appendingPathComponent("ab")
    try FileManager.default.createDirectory(at: shard, withIntermediateDirectories: true)
    let stale = shard.appendingPathComponent(".\(String(repeating: "ab", count: 32)).features.1")
    let fresh = shard.appendingPathComponent(".\(String(repeating: "ab", count: 32)).features.2")
    for url in [stale, fresh] { try Data("partial".utf8).write(to: url) }
    try FileManager.default.setAttributes(
      [.modificationDate: Date().addingTimeInterval(-3600)], ofItemAtPath: stale.path)
    try fixture.extractor().extract(fixture.index().clips)
    #expect(!FileManager.default.fileExists(atPath: stale.path))
    #expect(FileManager.default.fileExists(atPath: fresh.path), "may belong to a running writer")
  }

  @Test func missingWeightsNameTheFetchCommand() throws {
    let home = FileManager.default.temporaryDirectory
      .appendingPathComponent("vidi-empty-home-\(UUID().uuidString)")
    let error = try #require(throws: ExtractionError.self) {
      try FeatureExtractor(cache: nil, models: ModelStore(home: home))
    }
    guard case .weights = error else {
      Issue.record("expected a weights error, got \(error)")
      return
    }
    #expect(error.description.contains("vidi models fetch efficientnet-lite0"))
  }

  @Test func aVideoThatCannotBeDecodedThrowsItsOneLineReason() throws {
    let fixture = try ExtractionFixture()
    let garbage = try fixture.writeGarbage("garbage.avi")
    let extractor = try fixture.extractor()
    let error = try #require(throws: ExtractionError.self) {
      try extractor.features(ofVideoAt: garbage)
    }
    guard case .video(let videoError) = error else {
      Issue.record("expected a video error, got \(error)")
      return
    }
    #expect(videoError.path == garbage.path)
    #expect(!error.description.contains("\n"))
    // The single-video path is the batch's: the failure is recorded for `status`.
    let clip = Clip(url: garbage, path: "garbage.avi", label: "", split: .unassigned, group: nil)
    let status = fixture.cache.status(of: [clip], options: ExtractionFixture.options)
    #expect(status.failures.map(\.path) == ["garbage.avi"])
  }

  @Test func thumbnailsShowTheSampledCrops() throws {
    let fixture = try ExtractionFixture()
    let clip = try #require(fixture.index().clips.first)
    let strip = try ReportFrameStrip(
      videoAt: clip.url, path: clip.path, sampling: .uniform(3), size: 32)
    #expect(strip.frames.count == 3)
    #expect(strip.frameIndices.count == 3 && strip.frameIndices == strip.frameIndices.sorted())
    #expect(strip.times.count == 3)
    for thumbnail in strip.frames {
      #expect(thumbnail.width == 32 && thumbnail.height == 32)
      #expect(thumbnail.pixels.count == 32 * 32 * 3)
      #expect(Set(thumbnail.pixels).count > 8, "a picture, not a flat fill")
      #expect(try PNGEncoder.encode(thumbnail).starts(with: PNGEncoder.signature))
    }
  }

  // MARK: Fixtures

  /// A picture whose left and right halves differ: gradients plus a block near the left edge.
  static func asymmetricPicture(side: Int) -> RGBThumbnail {
    var pixels: [UInt8] = []
    for y in 0..<side {
      for x in 0..<side {
        let block = x < side / 4 && (side / 3..<side / 2).contains(y)
        let blue: UInt8 = block ? 255 : UInt8((x ^ y) & 0x3f)
        pixels.append(UInt8(x * 255 / side))
        pixels.append(UInt8(y * 255 / side))
        pixels.append(blue)
      }
    }
    return RGBThumbnail(width: side, height: side, pixels: pixels)
  }

  /// Re-encodes the clip at `source` with its frames mirrored: new content, so a new cache key.
  static func writeMirroredCopy(of source: URL, to destination: URL) throws {
    let batch = try VideoReader.read(source, sampling: .all, size: 48)
    let writer = try VideoWriter(url: destination, width: 48, height: 48)
    var mirrored: [Float] = []
    FrameMirror.mirror(batch.pixels, size: 48, into: &mirrored)
    for frame in 0..<batch.count {
      let values = mirrored[(frame * batch.frameStride)..<((frame + 1) * batch.frameStride)]
      try writer.append(values.map { UInt8(clamping: Int($0.rounded())) })
    }
    try writer.finish()
  }
}

@Suite struct ShardTests {
  static let paths = (0..<40).map { "train/class\($0 % 4)/clip_\($0).avi" }

  @Test func shardsPartitionAnyOrderOfTheSameClips() throws {
    for count in [1, 2, 3, 7] {
      let shards = try (0..<count).map { try #require(Shard(index: $0, count: count)) }
      for path in Self.paths {
        #expect(shards.filter { $0.contains(path: path) }.count == 1, "\(path) in one shard")
      }
      let forward = shards.map { shard in Self.paths.filter { shard.contains(path: $0) } }
      let backward = shards.map { shard in Self.paths.reversed().filter { shard.contains(path: $0) }
      }
      #expect(forward.map(Set.init) == backward.map(Set.init))
    }
  }

  @Test func assignmentIsPinnedAcrossMachines() {
    // SHA-256 of the UTF-8 path, first 8 bytes big-endian, modulo the count.
    #expect(Shard.index(ofPath: "train/wave/clip_000.avi", count: 3) == 1)
    #expect(Shard.index(ofPath: "test/wave/clip_000.avi", count: 3) == 2)
    #expect(Shard.index(ofPath: "train/wave/clip_002.avi", count: 2) == 0)
    #expect(Shard.index(ofPath: "anything", count: 1) == 0)
  }

  @Test func parsesIndexOverCount() {
    #expect(Shard("3/8") == Shard(index: 3, count: 8))
    #expect(Shard("0/1") == .all)
    #expect(Shard("3/8")?.description == "3/8")
    for bad in ["8/8", "-1/2", "1/0", "1", "a/b", "1/2/3", ""] {
      #expect(Shard(bad) == nil, "\(bad)")
    }
  }
}

@Suite struct FrameMirrorTests {
  @Test func mirrorsEachRowAndTwiceIsIdentity() {
    // Two frames of 2 × 2 pixels; pixel value = frame, row, column, channel digits.
    var frames: [Float] = []
    for frame in 0..<2 {
      for row in 0..<2 {
        for column in 0..<2 {
          for channel in 0..<3 {
            frames.append(Float(frame * 1000 + row * 100 + column * 10 + channel))
          }
        }
      }
    }
    var once: [Float] = []
    FrameMirror.mirror(frames, size: 2, into: &once)
    #expect(Array(once[0..<6]) == [10, 11, 12, 0, 1, 2])
    #expect(Array(once[18..<24]) == [1110, 1111, 1112, 1100, 1101, 1102])
    var twice: [Float] = []
    FrameMirror.mirror(once, size: 2, into: &twice)
    #expect(twice == frames)
  }

  @Test func halfRoundingMatchesTheCacheFormat() {
    let values: [Float] = [0.1, 1.0 / 3, 65519, 1e-8, -2.5]
    for value in values {
      #expect(HalfFloat.rounded(value) == HalfFloat.float(fromBits: HalfFloat.bits(from: value)))
    }
    #expect(HalfFloat.rounded(1.0 / 3) != 1.0 / 3)
    #expect(HalfFloat.rounded(-2.5) == -2.5)
  }
}
