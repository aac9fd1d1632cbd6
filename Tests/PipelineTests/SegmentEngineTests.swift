import Demo
import Foundation
import Pipeline
import SequenceModels
import Testing
import VideoIO

/// A linear model trained on rendered demo clips of four actions, and a long video where those
/// actions follow each other, in a temporary folder removed at deinit.
final class LongVideoFixture {
  let folder: URL
  let model: TrainedModel
  /// Each action lasts `actionSeconds`.
  static let actions: [DemoAction] = [.wave, .jumpingJacks, .squat, .walk]
  static let clipFrames = 16
  static let framesPerSecond = 8
  static let clipsPerAction = 3
  static var clipSeconds: Double { Double(clipFrames) / Double(framesPerSecond) }
  static var actionSeconds: Double { clipSeconds * Double(clipsPerAction) }
  static let features = FeatureOptions(backbone: .efficientnetLite0, frames: 8)

  init() throws {
    folder = FileManager.default.temporaryDirectory
      .appendingPathComponent("vidi-segments-\(UUID().uuidString)")
    let dataset = DemoDataset(
      actions: Self.actions, trainClipsPerClass: 8, testClipsPerClass: 1,
      frameCount: Self.clipFrames, width: 64, height: 48,
      framesPerSecond: Self.framesPerSecond, seed: 7)
    let data = folder.appendingPathComponent("data")
    try dataset.writeVideos(to: data)
    let index = try DatasetIndex(root: data)
    let extractor = try FeatureExtractor(
      options: Self.features, cache: nil, checkpoint: TestWeights.lite0())
    let train = try extractor.clipFeatures(index.clips).clips.filter { $0.split == .train }
    let trained = try TrainingWorkflow.train(
      train, provenance: Self.features.provenance,
      options: TrainingOptions(model: .model(.linear), validationFraction: 0))
    model = trained.withCalibration(
      ModelCalibration(
        clipSeconds: ModelCalibrationWorkflow.medianDuration(
          index.clips.filter { $0.split == .train }),
        rejection: RejectionThreshold(
          threshold: 0.3, targetTPR: 0.95, calibrationTPR: 0.95, source: "test")))
  }

  deinit {
    try? FileManager.default.removeItem(at: folder)
  }

  /// Every action in turn, each as `clipsPerAction` clips of one scene played back to back,
  /// as one MPEG-4 video.
  func longVideo(named name: String = "long.avi") throws -> URL {
    let url = folder.appendingPathComponent(name)
    let writer = try VideoWriter(
      url: url, width: 64, height: 48,
      options: .init(codec: .mpeg4, frameRate: Self.framesPerSecond))
    for (number, action) in Self.actions.enumerated() {
      for _ in 0..<Self.clipsPerAction {
        let frames = DemoRenderer.render(
          action: action, seed: UInt64(100 + number), frameCount: Self.clipFrames, width: 64,
          height: 48)
        for frame in frames { try writer.append(frame) }
      }
    }
    try writer.finish()
    return url
  }

  func predictor() throws -> VideoPredictor {
    try VideoPredictor(model: model, modelPath: "segments-test.vidi", cache: nil)
  }
}

@Suite struct SegmentEngineTests {
  @Test func actionsThatFollowEachOtherComeOutInOrderWithinAStride() throws {
    let fixture = try LongVideoFixture()
    let model = fixture.model
    #expect(model.calibration?.clipSeconds == LongVideoFixture.clipSeconds)
    let plan = WindowPlan(model: model)
    #expect(plan.windowSeconds == LongVideoFixture.clipSeconds)
    #expect(plan.framesPerWindow == 8)
    var reports: [SegmentProgress] = []
    let result = try SegmentWorkflow.segments(
      of: fixture.longVideo(), name: "long.avi", predictor: fixture.predictor(), plan: plan,
      smoother: SegmentSmoother(classes: model.classes)
    ) { reports.append($0) }

    let expected = LongVideoFixture.actions.map(\.rawValue)
    #expect(result.segments.map(\.label) == expected)
    let stride = Double(plan.strideSamples) / plan.sampleRate
    for (index, segment) in result.segments.enumerated() {
      let start = Double(index) * LongVideoFixture.actionSeconds
      #expect(abs(segment.start - start) <= stride, "\(segment.label) starts at \(segment.start)")
    }
    #expect(abs(result.duration - 4 * LongVideoFixture.actionSeconds) < 0.2)
    #expect(result.segments.last?.end == result.duration)
    // Windows tile the video one stride apart, each as long as a training clip.
    #expect(result.windows.count >= Int(result.duration / stride) - 4)
    for window in result.windows.dropLast() {
      #expect(abs(window.end - window.start - plan.windowSeconds) < 1e-6)
    }
    for (earlier, later) in zip(result.windows, result.windows.dropFirst().dropLast()) {
      #expect(abs(later.start - earlier.start - stride) < 1e-6)
    }
    #expect(reports.last.map { abs($0.seconds - result.duration) < 0.5 } == true)
  }

  @Test func eachSampledFrameIsEncodedOnceAndMemoryIsOneWindow() throws {
    let fixture = try LongVideoFixture()
    let predictor = try fixture.predictor()
    let plan = WindowPlan(windowSeconds: 2, strideSeconds: 0.5, framesPerWindow: 8)
    let engine = SegmentEngine(predictor: predictor, plan: plan)
    let stream = try FrameStream(
      url: fixture.longVideo(), rate: plan.sampleRate, size: engine.frameSize)
    var batch = FrameBatch(size: engine.frameSize)
    var windows: [WindowPrediction] = []
    while try stream.next(into: &batch, limit: 5) { windows += try engine.push(batch) }
    let last = try engine.finish()
    // 24 s at 4 samples a second: 96 samples; a window every 2 samples once 8 are in.
    #expect(engine.samples == 96)
    #expect(windows.count == (96 - 8) / 2 + 1)
    #expect(last.isEmpty)
    // A window pushed in batches of five is the one the model gives for its frames at once.
    let window = windows[3]
    #expect(window.startFrame == 12 && window.endFrame == 26)
    #expect(window.probabilities.count == 4)
  }

  @Test func theCalibratedThresholdIsAppliedAndNoneGivesTodaysAnswers() throws {
    let fixture = try LongVideoFixture()
    let predictor = try fixture.predictor()
    let clip = fixture.folder.appendingPathComponent("data/test/wave/clip_000.avi")
    let plain = try predictor.predict(videoAt: clip)
    #expect(plain.rejection == nil)
    #expect(plain.rejecting(RejectOption.none.rule(for: fixture.model)) == plain)
    #expect(RejectOption.auto.rule(for: fixture.model) == .maxProbability(0.3))
    let strict = plain.rejecting(RejectOption.threshold(1).rule(for: fixture.model))
    #expect(strict.answer == "unknown")
    #expect(strict.rejection?.score == plain.predictions[0].probability)
  }
}
