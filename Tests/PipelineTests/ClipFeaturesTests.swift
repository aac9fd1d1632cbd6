import Pipeline
import SequenceModels
import Testing

@Suite struct ClipFeaturesTests {
  @Test func cachedFeaturesMoveRealRowsAheadOfPadding() throws {
    let cached = CachedFeatures(
      frameCount: 3, dimension: 2, values: [1, 2, 0, 0, 5, 6], mask: [true, false, true],
      frameIndices: [0, 7, 14])
    let clip = try ClipFeatures(
      path: "a/b.mp4", label: "Jump", split: .train, group: "g01", view: .flipped,
      cached: cached)
    #expect(clip.length == 2)
    #expect(clip.values == [1, 2, 5, 6, 0, 0])
    #expect(clip.frameIndices == [0, 14, 7])
    #expect(clip.row(1) == [5, 6])
    #expect(clip.view == .flipped)

    let sequence = clip.sequenceClip(label: 3)
    #expect(sequence == SequenceClip(features: clip.values, length: 2, label: 3, group: "g01"))
    #expect(clip.sequenceClip(label: 0, group: "other").group == "other")
  }

  @Test func anEntryWithoutRealFramesIsAOneLineError() {
    let cached = CachedFeatures(
      frameCount: 2, dimension: 2, values: [0, 0, 0, 0], mask: [false, false],
      frameIndices: [0, 0])
    #expect(throws: ClipFeaturesError.noFrames(path: "empty.mp4")) {
      try ClipFeatures(path: "empty.mp4", label: nil, cached: cached)
    }
    #expect(
      ClipFeaturesError.noFrames(path: "empty.mp4").description
        == "empty.mp4: the video has no frames")
  }
}
