import Foundation
import Pipeline
import Reporting
import Testing
import VideoIO

/// The clip answer and the segments from one decode (`vidi serve`'s `segments=1`).
@Suite struct SegmentedPredictionTests {
  /// Frames in `LongVideoFixture.longVideo()`.
  static var longVideoFrames: Int {
    LongVideoFixture.actions.count * LongVideoFixture.clipsPerAction * LongVideoFixture.clipFrames
  }

  @Test func oneDecodeGivesTheClipAnswerTheSegmentsAndTheThumbnails() throws {
    let fixture = try LongVideoFixture()
    let predictor = try fixture.predictor()
    let model = predictor.model
    let plan = WindowPlan(model: model)
    let smoother = SegmentSmoother(classes: model.classes)
    let short = fixture.folder.appendingPathComponent("data/test/wave/clip_000.avi")
    for (url, frames) in [(try fixture.longVideo(), Self.longVideoFrames), (short, 16)] {
      for flip in [false, true] {
        let found = try predictor.predictWithSegments(
          videoAt: url, name: "video.avi", flip: flip, topK: nil, plan: plan,
          smoother: smoother, thumbnailSize: 48)
        // One pass over the video, every frame decoded once.
        #expect(found.decodePasses == 1)
        #expect(found.decodedFrames == frames)

        let alone = try predictor.predict(
          videoAt: url, name: "video.avi", flip: flip, topK: nil)
        #expect(found.prediction.video == alone.video)
        #expect(found.prediction.sampledFrames == alone.sampledFrames)
        #expect(found.prediction.predictions.map(\.label) == alone.predictions.map(\.label))
        for (a, b) in zip(found.prediction.predictions, alone.predictions) {
          #expect(abs(a.probability - b.probability) < 1e-5)
        }
        let segments = try SegmentWorkflow.segments(
          of: url, name: "video.avi", predictor: predictor, plan: plan, smoother: smoother)
        #expect(found.segments == segments)
        let strip = try ReportFrameStrip(
          videoAt: url, path: "video.avi", sampling: predictor.options.frameSampling, size: 48)
        #expect(found.thumbnails == strip)
      }
    }
  }
}
