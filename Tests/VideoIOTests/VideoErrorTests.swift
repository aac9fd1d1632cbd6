import Foundation
import Testing
import VideoIO

@Suite struct VideoErrorTests {
  static func openError(_ url: URL) -> VideoError? {
    do {
      _ = try VideoReader(url: url)
      return nil
    } catch {
      return error
    }
  }

  @Test func missingFile() throws {
    let scratch = try Scratch()
    let url = scratch.url("nowhere.avi")
    #expect(Self.openError(url) == .missing(path: url.path))
  }

  @Test func emptyFile() throws {
    let scratch = try Scratch()
    let url = try scratch.file("empty.mp4", [])
    #expect(Self.openError(url) == .empty(path: url.path))
  }

  @Test func randomBytes() throws {
    let scratch = try Scratch()
    var generator = SplitMix(seed: 7)
    let url = try scratch.file(
      "noise.avi", (0..<20_000).map { _ in UInt8.random(in: 0...255, using: &generator) })
    guard case .notAVideo(let path, _) = Self.openError(url) else {
      Issue.record("random bytes should not open as a video")
      return
    }
    #expect(path == url.path)
  }

  @Test func textFileNamedLikeAVideo() throws {
    let scratch = try Scratch()
    let url = try scratch.file("notes.avi", Array("shopping list: eggs, milk\n".utf8).repeated(20))
    let error = try #require(Self.openError(url))
    guard case .notAVideo = error else {
      Issue.record("unexpected \(error)")
      return
    }
    #expect(error.description.hasPrefix("\(url.path): not a video"))
  }

  @Test func directory() throws {
    let scratch = try Scratch()
    guard case .unreadable = Self.openError(scratch.folder) else {
      Issue.record("a directory should be unreadable")
      return
    }
  }

  @Test(.enabled(if: VideoWriter.Codec.h264.isAvailable))
  func truncatedMP4LosesItsIndex() throws {
    let scratch = try Scratch()
    let url = try scratch.indexedClip("cut.mp4", frames: 30, options: .init(codec: .h264))
    let bytes = try Data(contentsOf: url)
    try bytes.prefix(bytes.count / 2).write(to: url)
    let error = try #require(Self.openError(url))
    guard case .truncated = error else {
      Issue.record("unexpected \(error)")
      return
    }
    #expect(error.description.contains(url.path))
    #expect(!error.description.contains("\n"))
  }

  @Test func truncatedAVIFailsStrictReadsAndKeepsFramesForBestEffort() throws {
    let scratch = try Scratch()
    let url = try scratch.indexedClip("cut.avi", frames: 60)
    let bytes = [UInt8](try Data(contentsOf: url))
    // Cut mid-way through the frames (not the header), part-way into a packet.
    let frames = try #require(AVIHeader.find("movi", in: bytes))
    try Data(bytes.prefix(frames + (bytes.count - frames) / 2 + 3)).write(to: url)
    let reader = try VideoReader(url: url)
    #expect(reader.info.frameCount == 60)
    #expect(throws: VideoError.self) { try reader.read(.all, size: 8) }
    do {
      _ = try reader.read(.all, size: 8)
    } catch {
      guard case .truncated = error else {
        Issue.record("unexpected \(error)")
        return
      }
    }
    let kept = try reader.read(.all, size: 8, bestEffort: true)
    #expect(kept.count > 10 && kept.count < 60)
    #expect(Array(IndexPattern.indices(in: kept).prefix(10)) == Array(0..<10))
    let issue = try #require(kept.issue)
    guard case .truncated = issue else {
      Issue.record("unexpected issue \(issue)")
      return
    }
    let sampled = try reader.read(.uniform(4), size: 8, bestEffort: true)
    #expect(sampled.count == 4)
    #expect(sampled.frameIndices.allSatisfy { $0 < kept.count })
  }

  @Test func damageMidStreamFailsStrictReadsAndIsSteppedOverByBestEffort() throws {
    let scratch = try Scratch()
    let url = try scratch.stillClip("damaged.avi", frames: 60, width: 64, height: 48) { x, y in
      (UInt8((x * 7 + y * 3) % 256), UInt8((x * y) % 256), UInt8(y * 5 % 256))
    }
    var bytes = [UInt8](try Data(contentsOf: url))
    var generator = SplitMix(seed: 3)
    for i in (bytes.count / 2)..<(bytes.count / 2 + 300) {
      bytes[i] = UInt8.random(in: 0...255, using: &generator)
    }
    try Data(bytes).write(to: url)
    let reader = try VideoReader(url: url)
    do {
      _ = try reader.read(.all, size: 8)
      Issue.record("a damaged frame should fail a strict read")
    } catch {
      guard case .decodeFailed(let path, _, let decoded) = error else {
        Issue.record("unexpected \(error)")
        return
      }
      #expect(path == url.path && decoded > 0 && decoded < 60)
    }
    let kept = try reader.read(.all, size: 8, bestEffort: true)
    #expect(kept.count == 60)
    guard case .decodeFailed = kept.issue else {
      Issue.record("best effort should note the damage, not \(String(describing: kept.issue))")
      return
    }
  }

  @Test func audioOnlyFileHasNoVideoStream() throws {
    let scratch = try Scratch()
    let url = scratch.url("tone.wav")
    try FFmpegTool.run(["-f", "lavfi", "-i", "sine=frequency=440:duration=0.2", url.path])
    #expect(Self.openError(url) == .noVideoStream(path: url.path))
  }

  @Test func unknownCodec() throws {
    let scratch = try Scratch()
    let url = try scratch.indexedClip("odd.avi", frames: 5)
    var bytes = [UInt8](try Data(contentsOf: url))
    // The FourCC in the stream header and in the bitmap header both name the codec.
    let tag = Array("FMP4".utf8)
    for start in 0..<(bytes.count - 4) where bytes[start..<start + 4].elementsEqual(tag) {
      bytes.replaceSubrange(start..<start + 4, with: Array("QQQQ".utf8))
    }
    try Data(bytes).write(to: url)
    #expect(Self.openError(url) == .unsupportedCodec(path: url.path, codec: "FourCC 'QQQQ'"))
  }

  @Test func writerRejectsOddSizesAndWrongFrames() throws {
    let scratch = try Scratch()
    #expect(throws: VideoError.self) {
      try VideoWriter(url: scratch.url("odd.avi"), width: 63, height: 48)
    }
    let writer = try VideoWriter(url: scratch.url("ok.avi"), width: 16, height: 16)
    #expect(throws: VideoError.self) { try writer.append([0, 0, 0]) }
    #expect(!FileManager.default.fileExists(atPath: scratch.url("ok.avi").path))
  }

  @Test func writerPublishesTheFileOnlyWhenFinished() throws {
    let scratch = try Scratch()
    let url = scratch.url("done.avi")
    let writer = try VideoWriter(url: url, width: 16, height: 16)
    try writer.append(IndexPattern.frame(3, width: 16, height: 16))
    #expect(!FileManager.default.fileExists(atPath: url.path))
    try writer.finish()
    #expect(try VideoReader.info(of: url).frameCount == 1)
    let leftovers = try FileManager.default.contentsOfDirectory(atPath: scratch.folder.path)
    #expect(leftovers == ["done.avi"])
  }
}

/// A small seeded generator so the random-bytes file is the same on every run.
struct SplitMix: RandomNumberGenerator {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}
