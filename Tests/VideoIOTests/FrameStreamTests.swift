import Foundation
import Testing
import VideoIO

@Suite struct FrameStreamTests {
  /// The frames a clip sampling picks, kept on the stream's pass, are those `VideoReader`
  /// gives for it (which seeks between them), at every size asked for.
  @Test func keepsAClipSamplingsFramesOnTheSamePass() throws {
    let scratch = try Scratch()
    for name in ["kept.mp4", "kept.ts"] {
      let url = try scratch.indexedClip(name, frames: 90)
      let stream = try FrameStream(
        url: url, rate: 5, size: 32, keeping: .uniform(7), sizes: [32, 16])
      #expect(stream.keptFrames == nil)
      var batch = FrameBatch(size: 32)
      var samples = 0
      while try stream.next(into: &batch, limit: 4) { samples += batch.count }
      #expect(samples == 18)
      #expect(stream.decodedFrames == 90)
      let kept = try #require(stream.keptFrames, "\(name)")
      for size in [32, 16] {
        let direct = try VideoReader.read(url, sampling: .uniform(7), size: size)
        #expect(kept[size]?.count == 7)
        #expect(kept[size]?.frameIndices == direct.frameIndices)
        #expect(kept[size]?.timestamps == direct.timestamps)
        #expect(kept[size]?.pixels == direct.pixels)
      }
    }
  }

  @Test func keepsFramesAtTheRateInBatchesUntilTheEnd() throws {
    let scratch = try Scratch()
    let url = try scratch.indexedClip(
      "thirty.avi", frames: 30, options: .init(codec: .mpeg4, frameRate: 10))
    let stream = try FrameStream(url: url, rate: 2.5, size: 32)
    var batch = FrameBatch(size: 32)
    var sizes: [Int] = []
    var indices: [Int] = []
    var shown: [Int] = []
    var times: [Double] = []
    while try stream.next(into: &batch, limit: 3) {
      sizes.append(batch.count)
      indices += batch.frameIndices
      shown += IndexPattern.indices(in: batch)
      times += batch.timestamps
    }
    // One sample every 0.4 s of a 10 fps clip: every fourth frame.
    #expect(indices == [0, 4, 8, 12, 16, 20, 24, 28])
    #expect(shown == indices)
    #expect(sizes == [3, 3, 2])
    for (time, index) in zip(times, indices) { #expect(abs(time - Double(index) / 10) < 1e-6) }
    #expect(stream.decodedFrames == 30)
    #expect(try !stream.next(into: &batch, limit: 3))
  }

  @Test func repeatsFramesWhenTheRateIsAboveTheVideos() throws {
    let scratch = try Scratch()
    let url = try scratch.indexedClip(
      "slow.avi", frames: 4, options: .init(codec: .mpeg4, frameRate: 2))
    let stream = try FrameStream(url: url, rate: 4, size: 16)
    var batch = FrameBatch(size: 16)
    var indices: [Int] = []
    while try stream.next(into: &batch, limit: 16) { indices += batch.frameIndices }
    // Frames 0.5 s apart, samples 0.25 s apart: each frame stands for two sample times.
    #expect(indices == [0, 0, 1, 1, 2, 2, 3, 3])
  }

  @Test func namesTheFileWhenItIsNotAVideo() throws {
    let scratch = try Scratch()
    let url = try scratch.file("notes.avi", Array("not a video".utf8))
    #expect {
      _ = try FrameStream(url: url, rate: 1)
    } throws: { "\($0)".contains("notes.avi") }
  }
}
