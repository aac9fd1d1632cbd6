import Demo
import Foundation
import Pipeline
import Testing
import VideoIO

@Suite struct DemoDatasetTests {
  let root = FileManager.default.temporaryDirectory
    .appendingPathComponent("vidi-demo-test-\(UUID().uuidString)")
  let dataset = DemoDataset(
    actions: [.sitDown, .standUp, .wave], trainClipsPerClass: 3, testClipsPerClass: 2,
    frameCount: 6, width: 32, height: 24, framesPerSecond: 12, seed: 77)

  struct Written: Equatable {
    var name: String
    var frames: [[UInt8]]
    var size: [Int]
  }

  @Test func writesEveryClipIntoItsSplitAndClassFolder() throws {
    defer { try? FileManager.default.removeItem(at: root) }
    var written: [Written] = []
    let clips = try dataset.write(to: root) { url, frames, width, height, fps in
      written.append(
        Written(name: url.lastPathComponent, frames: frames, size: [width, height, fps]))
      try Data(frames.joined()).write(to: url)
    }
    #expect(clips == dataset.clips)
    #expect(clips.count == 3 * (3 + 2))
    #expect(clips.first?.relativePath == "train/sit-down/clip_000.avi")
    #expect(clips.last?.relativePath == "test/wave/clip_001.avi")
    #expect(written.allSatisfy { $0.size == [32, 24, 12] && $0.frames.count == 6 })
    #expect(written.allSatisfy { $0.name.hasPrefix(".") }, "written to a hidden temporary name")
    for (clip, clipWritten) in zip(clips, written) {
      let url = root.appendingPathComponent(clip.relativePath)
      #expect(try Data(contentsOf: url) == Data(clipWritten.frames.joined()))
      #expect(clipWritten.frames == dataset.frames(of: clip))
    }
    let everything = FileManager.default.enumerator(atPath: root.path)?.allObjects as? [String]
    #expect(everything?.filter { ($0 as NSString).lastPathComponent.hasPrefix(".") } == [])
    #expect(
      try FileManager.default.contentsOfDirectory(atPath: root.path).sorted() == ["test", "train"])
  }

  @Test func theSameSeedGivesTheSameClipsAndEveryClipItsOwnScene() {
    let again = DemoDataset(
      actions: [.sitDown, .standUp, .wave], trainClipsPerClass: 3, testClipsPerClass: 2,
      frameCount: 6, width: 32, height: 24, framesPerSecond: 12, seed: 77)
    var reseeded = again
    reseeded.seed = 78
    #expect(again.clips == dataset.clips)
    #expect(Set(dataset.clips.map(\.seed)).count == dataset.clips.count)
    #expect(Set(reseeded.clips.map(\.seed)).isDisjoint(with: dataset.clips.map(\.seed)))
    #expect(again.frames(of: again.clips[4]) == dataset.frames(of: dataset.clips[4]))
  }

  @Test func aFailingWriterLeavesNothingBehind() throws {
    defer { try? FileManager.default.removeItem(at: root) }
    struct EncoderFailed: Error {}
    var calls = 0
    #expect(throws: EncoderFailed.self) {
      try dataset.write(to: root) { url, _, _, _, _ in
        calls += 1
        try Data([1, 2, 3]).write(to: url)
        if calls == 2 { throw EncoderFailed() }
      }
    }
    let folder = root.appendingPathComponent("train/sit-down")
    #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["clip_000.avi"])
  }
}

@Suite struct DemoVideoFilesTests {
  @Test func writtenDemoVideosIndexWithEveryActionAndDecode() throws {
    let root = FileManager.default.temporaryDirectory
      .appendingPathComponent("vidi-demo-videos-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: root) }
    let dataset = DemoDataset(
      actions: DemoAction.allCases, trainClipsPerClass: 2, testClipsPerClass: 1, frameCount: 12,
      width: 64, height: 48, framesPerSecond: 10, seed: 3)
    let written = try dataset.writeVideos(to: root)
    #expect(written.count == DemoAction.allCases.count * 3)
    let index = try DatasetIndex(root: root, options: .init(probe: true))
    #expect(index.labels == DemoAction.allCases.map(\.rawValue).sorted())
    #expect(index.clips(in: .train).count == DemoAction.allCases.count * 2)
    #expect(index.clips(in: .test).count == DemoAction.allCases.count)
    #expect(index.unreadable.isEmpty && index.skipped.isEmpty)
    #expect(index.clips.allSatisfy { $0.info?.frameCount == 12 })
    let frames = try VideoReader.read(
      root.appendingPathComponent(written[0].relativePath), sampling: .all, size: 32)
    #expect(frames.count == 12)
  }
}
