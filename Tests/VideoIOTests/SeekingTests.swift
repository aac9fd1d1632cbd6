import Foundation
import Testing
import VideoIO

/// A read that seeks keeps exactly the frames a read decoding every frame from the start keeps:
/// same indices, same pixels, same timestamps.
@Suite struct SeekingTests {
  /// A clip to sample, and how it is encoded.
  struct Clip: Sendable, CustomTestStringConvertible {
    var name: String
    var options: VideoWriter.Options
    var testDescription: String { name }
  }

  /// MPEG-4 in AVI without and with B-frames (with them, AVI's first decoded frame is stamped
  /// one frame after the container's start, as in UCF101's Xvid clips), H.264 (B-frames from
  /// libx264's preset) in MP4 and Matroska, and a raw H.264 stream, which cannot seek at all.
  static let clips: [Clip] =
    [
      Clip(name: "plain.avi", options: .init(codec: .mpeg4, keyframeInterval: 10)),
      Clip(name: "bframes.avi", options: .init(codec: .mpeg4, keyframeInterval: 10, bFrames: 2)),
      Clip(name: "bframe.avi", options: .init(codec: .mpeg4, keyframeInterval: 12, bFrames: 1)),
    ]
    + (VideoWriter.Codec.h264.isAvailable
      ? ["clip.mp4", "clip.mkv", "clip.h264"].map {
        Clip(name: $0, options: .init(codec: .h264, keyframeInterval: 10))
      } : [])

  static let samplings: [FrameSampling] = [
    .uniform(5), .uniform(20), .uniform(64), .everyNth(7), .everyNth(31), .first(9),
  ]

  @Test(arguments: clips)
  func seekingKeepsTheFramesOfASequentialRead(clip: Clip) throws {
    let scratch = try Scratch()
    let url = try scratch.indexedClip(
      clip.name, frames: 240, width: 32, height: 32, options: clip.options)
    var seeks = 0
    for sampling in Self.samplings {
      let sequential = try VideoReader(url: url, seeking: .never).read(sampling, size: 16)
      #expect(sequential.statistics.seeks == 0)
      #expect(IndexPattern.indices(in: sequential) == sequential.frameIndices)
      for seeking in [VideoReader.Seeking.automatic, .beyond(frames: 0)] {
        let sought = try VideoReader(url: url, seeking: seeking).read(sampling, size: 16)
        let context = Comment(rawValue: "\(clip.name) \(sampling) \(seeking)")
        #expect(sought.frameIndices == sequential.frameIndices, context)
        #expect(sought.pixels == sequential.pixels, context)
        #expect(sought.timestamps == sequential.timestamps, context)
        seeks += sought.statistics.seeks
      }
    }
    if clip.name.hasSuffix(".h264") {
      #expect(seeks == 0)
    } else {
      #expect(seeks > 0)
    }
  }
}
