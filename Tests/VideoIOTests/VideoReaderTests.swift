import Foundation
import Testing
import VideoIO

@Suite struct VideoReaderTests {
  @Test func readsMPEG4InAVI() throws {
    let scratch = try Scratch()
    let url = try scratch.indexedClip("clip.avi", frames: 40)
    let reader = try VideoReader(url: url)
    let info = reader.info
    #expect(info.codec == "mpeg4")
    #expect(info.container == "avi")
    #expect(info.frameCount == 40 && info.frameCountIsExact)
    #expect((info.width, info.height) == (64, 48))
    #expect(abs(info.frameRate - 25) < 1e-9)
    #expect(abs(info.duration - 1.6) < 0.05)
    #expect(info.rotation == 0 && !info.isStillImage)

    let batch = try reader.read(.uniform(8), size: 32)
    let expected = FrameSampling.uniform(8).indices(frameCount: 40)
    #expect(batch.count == 8 && batch.size == 32)
    #expect(batch.pixels.count == 8 * 32 * 32 * 3)
    #expect(batch.frameIndices == expected)
    #expect(IndexPattern.indices(in: batch) == expected)
    #expect(batch.timestamps.map { ($0 * 25).rounded() } == expected.map(Double.init))
    #expect(batch.issue == nil)
  }

  @Test(.enabled(if: VideoWriter.Codec.h264.isAvailable))
  func readsH264InMP4WithReorderedFrames() throws {
    let scratch = try Scratch()
    let url = try scratch.indexedClip(
      "clip.mp4", frames: 50, options: .init(codec: .h264, frameRate: 10, keyframeInterval: 25))
    let reader = try VideoReader(url: url)
    #expect(reader.info.codec == "h264")
    #expect(reader.info.frameCount == 50 && reader.info.frameCountIsExact)
    #expect(abs(reader.info.frameRate - 10) < 1e-9)

    let all = try reader.read(.all, size: 16)
    #expect(all.count == 50)
    #expect(all.streamFrameCount == 50)
    #expect(IndexPattern.indices(in: all) == Array(0..<50))
    let first = try reader.read(.first(5), size: 16)
    #expect(IndexPattern.indices(in: first) == [0, 1, 2, 3, 4])
    let strided = try reader.read(.everyNth(7), size: 16)
    #expect(strided.frameIndices == [0, 7, 14, 21, 28, 35, 42, 49])
    #expect(IndexPattern.indices(in: strided) == strided.frameIndices)
  }

  /// Clips from encoders other than Vidi's: Xvid in AVI (as in UCF101), VP9 in WebM (no frame
  /// count in the container), H.264 in MOV.
  @Test(arguments: [
    ("avi", ["libxvid"], "mpeg4"),
    ("webm", ["libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8"], "vp9"),
    ("mov", ["libx264"], "h264"),
  ])
  func readsClipsFromTheFFmpegTool(container: String, encoder: [String], codec: String) throws {
    try #require(try FFmpegTool.hasEncoder(encoder[0]))
    let scratch = try Scratch()
    let url = scratch.url("testsrc.\(container)")
    try FFmpegTool.run(
      ["-f", "lavfi", "-i", "testsrc=size=80x60:rate=20:duration=2", "-c:v"] + encoder + [url.path])
    let reader = try VideoReader(url: url)
    #expect(reader.info.codec == codec)
    #expect((reader.info.width, reader.info.height) == (80, 60))
    #expect(abs(reader.info.frameRate - 20) < 1e-9)
    #expect(reader.info.frameCount == 40)
    #expect(reader.info.frameCountIsExact == (container != "webm"))
    let batch = try reader.read(.uniform(10), size: 24)
    #expect(batch.frameIndices == FrameSampling.uniform(10).indices(frameCount: 40))
    #expect(batch.pixels.count == 10 * 24 * 24 * 3)
    #expect(batch.pixels.allSatisfy { (0...255).contains($0) })
    // testsrc moves: consecutive samples differ.
    #expect(batch.frame(0) != batch.frame(1))
    let all = try reader.read(.all, size: 8)
    #expect(all.count == 40 && all.streamFrameCount == 40)
  }

  @Test func estimatesAMissingFrameCountAndStillSamplesCorrectly() throws {
    let scratch = try Scratch()
    let url = try scratch.indexedClip("nocount.mkv", frames: 37)
    let reader = try VideoReader(url: url)
    #expect(!reader.info.frameCountIsExact)
    #expect(abs(reader.info.frameCount - 37) <= 1)
    let batch = try reader.read(.uniform(6), size: 16)
    let expected = FrameSampling.uniform(6).indices(frameCount: 37)
    #expect(batch.streamFrameCount == 37)
    #expect(IndexPattern.indices(in: batch) == expected)
    #expect(batch.frameIndices == expected)
  }

  @Test func aContainerCountingTooManyFramesDoesNotSamplePastTheEnd() throws {
    let scratch = try Scratch()
    let url = try scratch.indexedClip("wrong.avi", frames: 30)
    try AVIHeader.setFrameCount(90, in: url)
    let reader = try VideoReader(url: url)
    #expect(reader.info.frameCount == 90)

    let batch = try reader.read(.uniform(5), size: 16)
    let expected = FrameSampling.uniform(5).indices(frameCount: 30)
    #expect(batch.frameIndices == expected)
    #expect(IndexPattern.indices(in: batch) == expected)
    #expect(batch.streamFrameCount == 30)
    #expect(batch.statistics.passes == 2)

    let many = try reader.read(.uniform(50), size: 16)
    #expect(IndexPattern.indices(in: many) == Array(0..<30))
  }

  @Test func aContainerCountingTooFewFramesStillYieldsEveryFrameUpToN() throws {
    let scratch = try Scratch()
    let url = try scratch.indexedClip("short.avi", frames: 30)
    try AVIHeader.setFrameCount(10, in: url)
    let batch = try VideoReader(url: url).read(.uniform(20), size: 16)
    let expected = FrameSampling.uniform(20).indices(frameCount: 30)
    #expect(batch.frameIndices == expected)
    #expect(IndexPattern.indices(in: batch) == expected)
  }

  /// AVI and MP4 index their keyframes in the header; Matroska indexes them at the end of the
  /// file and states no frame count.
  /// The H.264 cases only where the linked FFmpeg has an H.264 encoder.
  @Test(
    arguments: [("avi", VideoWriter.Codec.mpeg4), ("mp4", .h264), ("mkv", .h264)].filter {
      $0.1.isAvailable
    })
  func sampledLongClipsSeekInsteadOfDecodingEverything(
    container: String, codec: VideoWriter.Codec
  ) throws {
    let scratch = try Scratch()
    let url = try scratch.indexedClip(
      "long.\(container)", frames: 400, width: 32, height: 32,
      options: .init(codec: codec, keyframeInterval: 10))
    let reader = try VideoReader(url: url)
    let batch = try reader.read(.uniform(5), size: 8)
    let expected = FrameSampling.uniform(5).indices(frameCount: 400)
    #expect(batch.frameIndices == expected)
    #expect(IndexPattern.indices(in: batch) == expected)
    #expect(batch.statistics.seeks >= 4)
    #expect(batch.statistics.decodedFrames < 100)

    let strided = try reader.read(.everyNth(97), size: 8)
    #expect(IndexPattern.indices(in: strided) == [0, 97, 194, 291, 388])
    #expect(strided.statistics.decodedFrames < 100)
  }

  @Test func readingIntoABatchReusesIt() throws {
    let scratch = try Scratch()
    let long = try scratch.indexedClip("long.avi", frames: 30)
    let short = try scratch.indexedClip("short.avi", frames: 4)
    var batch = FrameBatch(size: 16)
    try VideoReader(url: long).read(.uniform(10), size: 16, into: &batch)
    #expect(batch.count == 10)
    try VideoReader(url: short).read(.uniform(10), size: 16, into: &batch)
    #expect(batch.count == 4)
    #expect(batch.pixels.count == 4 * batch.frameStride)
    #expect(IndexPattern.indices(in: batch) == [0, 1, 2, 3])
    #expect(batch.streamFrameCount == 4)
  }
}

/// Rewrites the frame count an AVI header states (main header and video stream header),
/// the way a broken muxer leaves it.
enum AVIHeader {
  static func setFrameCount(_ count: UInt32, in url: URL) throws {
    var bytes = [UInt8](try Data(contentsOf: url))
    let little = withUnsafeBytes(of: count.littleEndian) { Array($0) }
    // avih: dwTotalFrames is the 5th field of the chunk body; strh: dwLength the 9th.
    let main = try #require(find("avih", in: bytes)) + 8 + 16
    let video = try #require(find("strh", in: bytes)) + 8 + 32
    bytes.replaceSubrange(main..<main + 4, with: little)
    bytes.replaceSubrange(video..<video + 4, with: little)
    try Data(bytes).write(to: url)
  }

  static func find(_ tag: String, in bytes: [UInt8]) -> Int? {
    let pattern = Array(tag.utf8)
    return (0...(bytes.count - pattern.count)).first {
      bytes[$0..<$0 + pattern.count].elementsEqual(pattern)
    }
  }
}
