import Dispatch
import Foundation
import Testing
import VideoIO

/// Regressions from a hostile-user review: reasons that crossed between files decoded at once,
/// and raw elementary streams longer than 300 frames that read as empty.
@Suite struct RobustDecodingTests {
  /// Collects results from concurrent reads.
  final class Outcomes: @unchecked Sendable {
    // Guards `items`.
    private let lock = NSLock()
    private var items: [(file: String, error: String?)] = []

    func add(_ file: String, _ error: String?) {
      lock.withLock { items.append((file, error)) }
    }

    var all: [(file: String, error: String?)] { lock.withLock { items } }
  }

  @Test func reasonsStayWithTheirOwnFileWhileFilesDecodeAtOnce() throws {
    let scratch = try Scratch()
    // An MP4 cut in half loses its index: FFmpeg logs "moov atom not found" while opening it.
    let noIndex = try scratch.indexedClip("r1.mp4", frames: 30)
    let mp4 = try Data(contentsOf: noIndex)
    try mp4.prefix(mp4.count / 2).write(to: noIndex)
    // An AVI cut mid-way through its frames fails later, for a reason of its own.
    let cut = try scratch.indexedClip("trunc01.avi", frames: 60)
    let avi = [UInt8](try Data(contentsOf: cut))
    let frames = try #require(AVIHeader.find("movi", in: avi))
    try Data(avi.prefix(frames + (avi.count - frames) / 2 + 3)).write(to: cut)
    let good = try scratch.indexedClip("good.avi", frames: 20)
    let files = [noIndex, cut, good]

    let outcomes = Outcomes()
    DispatchQueue.concurrentPerform(iterations: 150) { iteration in
      let file = files[iteration % files.count]
      do {
        _ = try VideoReader(url: file).read(.all, size: 8)
        outcomes.add(file.lastPathComponent, nil)
      } catch {
        outcomes.add(file.lastPathComponent, "\(error)")
      }
    }
    let results = outcomes.all
    #expect(results.count == 150)
    for (file, error) in results {
      switch file {
      case "r1.mp4":
        #expect(error?.contains("moov atom not found") == true, "\(String(describing: error))")
        #expect(error?.contains("trunc01.avi") == false)
      case "trunc01.avi":
        let reason = try #require(error, "a cut AVI read strictly must fail")
        #expect(reason.hasPrefix(cut.path), "\(reason)")
        #expect(!reason.contains("moov"), "the MP4's reason reached the AVI: \(reason)")
      default:
        #expect(error == nil, "\(file): \(String(describing: error))")
      }
    }
  }

  @Test func aFailureAfterAnotherFilesErrorOnTheSameThreadQuotesNoStaleLine() throws {
    let scratch = try Scratch()
    let noIndex = try scratch.indexedClip("r1.mp4", frames: 30)
    let mp4 = try Data(contentsOf: noIndex)
    try mp4.prefix(mp4.count / 2).write(to: noIndex)
    let cut = try scratch.indexedClip("trunc01.avi", frames: 60)
    let avi = [UInt8](try Data(contentsOf: cut))
    let frames = try #require(AVIHeader.find("movi", in: avi))
    try Data(avi.prefix(frames + (avi.count - frames) / 2 + 3)).write(to: cut)
    for _ in 0..<3 {
      #expect(throws: VideoError.self) { try VideoReader(url: noIndex).read(.all, size: 8) }
      do {
        _ = try VideoReader(url: cut).read(.all, size: 8)
        Issue.record("a cut AVI read strictly must fail")
      } catch {
        #expect(!error.description.contains("moov"), "\(error)")
      }
    }
  }

  @Test(.enabled(if: VideoWriter.Codec.h264.isAvailable))
  func rawH264LongerThan300FramesIsSampledOverItsWholeLength() throws {
    let scratch = try Scratch()
    // A raw Annex B stream has no timestamps, duration or frame count, and FFmpeg cannot seek
    // in it: a failed seek used to leave the demuxer at the end ("no decodable frames").
    let url = try scratch.indexedClip("long.h264", frames: 350, options: .init(codec: .h264))
    let reader = try VideoReader(url: url)
    #expect(reader.info.container == "h264")
    let sampled = try reader.read(.uniform(8), size: 16)
    let expected = FrameSampling.uniform(8).indices(frameCount: 350)
    #expect(sampled.frameIndices == expected)
    #expect(IndexPattern.indices(in: sampled) == expected)
    #expect(sampled.streamFrameCount == 350)
    let every = try reader.read(.all, size: 8)
    #expect(every.count == 350)
  }

  @Test(.enabled(if: (try? FFmpegTool.hasEncoder("libx265")) == true))
  func rawHEVCLongerThan300FramesIsSampledToo() throws {
    let scratch = try Scratch()
    let url = scratch.url("long.hevc")
    try FFmpegTool.run([
      "-f", "lavfi", "-i", "testsrc=size=64x48:rate=25", "-t", "14", "-c:v", "libx265",
      "-x265-params", "log-level=none", url.path,
    ])
    let sampled = try VideoReader.read(url, sampling: .uniform(8), size: 16)
    #expect(sampled.frameIndices == FrameSampling.uniform(8).indices(frameCount: 350))
  }
}
