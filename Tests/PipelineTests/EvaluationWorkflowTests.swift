import Foundation
import Pipeline
import Reporting
import SequenceModels
import Testing

@Suite struct EvaluationWorkflowTests {
  /// A mean-pool model (blind to order) with a frame classifier, so the order task's test split
  /// has misclassified clips with timelines.
  static func model() throws -> TrainedModel {
    try TrainingWorkflow.train(
      SyntheticClips.orderTask(clipsPerClass: 16, seed: 1), provenance: SyntheticClips.provenance,
      options: TrainingOptions(model: .model(.meanPool), epochs: 5, seed: 2, threads: 1))
  }

  @Test func metricsMatchTheModelsOwnPredictions() throws {
    let model = try Self.model()
    let test = SyntheticClips.orderTask(clipsPerClass: 10, seed: 5, split: .test)
    let evaluation = try EvaluationWorkflow.evaluate(
      model, modelPath: "m.vidi", clips: test, provenance: SyntheticClips.provenance)

    let probabilities = try model.predict(test.map { $0.sequenceClip(label: 0) })
    let expected = try EvaluationMetrics(
      classes: model.classes,
      clips: zip(test, probabilities).map {
        EvaluatedClip(
          path: $0.path, trueLabel: model.classes.firstIndex(of: $0.label!)!, probabilities: $1)
      })
    #expect(evaluation.metrics.accuracy == expected.accuracy)
    #expect(evaluation.metrics.confusionMatrix == expected.confusionMatrix)
    #expect(evaluation.metrics.clipCount == 20)
    #expect(!evaluation.usedFlippedViews)
    // Order-blind on an order task: some clips are wrong, and each wrong one has a timeline.
    #expect(!evaluation.metrics.misclassified.isEmpty)
    for wrong in evaluation.metrics.misclassified {
      let timeline = try #require(wrong.frameTimeline)
      #expect(timeline.trueClass.count == SyntheticClips.frames)
    }
    #expect(
      evaluation.clips.filter { $0.frameProbabilities != nil }.count
        == evaluation.metrics.misclassified.count)

    let report = ReportInput(
      evaluation: evaluation, model: model, modelName: "m.vidi", dataset: "synthetic",
      skippedClips: [ReportSkippedClip(path: "bad.mp4", reason: "truncated")])
    #expect(report.history.trainLoss.count == model.training.history.count)
    #expect(report.history.validationAccuracy.count == model.training.history.count)
    #expect(report.candidates.isEmpty && report.selectionNote == nil)
    #expect(report.summary.backbone == "efficientnet-lite0")
    #expect(report.skippedClips.count == 1)
    #expect(HTMLReport.render(report).contains("bad.mp4"))
  }

  @Test func flippedViewsAreAveragedIn() throws {
    let model = try Self.model()
    let test = SyntheticClips.orderTask(
      clipsPerClass: 3, seed: 6, split: .test, flippedViews: true)
    let evaluation = try EvaluationWorkflow.evaluate(
      model, modelPath: "m.vidi", clips: test, provenance: nil)
    #expect(evaluation.usedFlippedViews)
    #expect(evaluation.metrics.clipCount == 6)
    let original = test[0]
    let flipped = test[1]
    #expect(flipped.view == .flipped && flipped.path == original.path)
    let a = try model.predict(features: original.values, length: original.length)
    let b = try model.predict(features: flipped.values, length: flipped.length)
    #expect(evaluation.clips[0].probabilities == zip(a, b).map { ($0 + $1) / 2 })
  }

  @Test func aClassTheModelDoesNotKnowIsNamed() throws {
    let model = try Self.model()
    var test = SyntheticClips.orderTask(clipsPerClass: 2, seed: 6, split: .test)
    test[0].label = "sideways"
    test[1].label = "Jump"
    let error = WorkflowError.unknownClasses(
      modelPath: "m.vidi", classes: ["Jump", "sideways"], modelClasses: ["backward", "forward"])
    #expect(throws: error) {
      try EvaluationWorkflow.evaluate(model, modelPath: "m.vidi", clips: test, provenance: nil)
    }
    #expect(
      error.description
        == "m.vidi: the dataset has classes the model was not trained on: Jump, sideways "
        + "(the model knows backward, forward)")
  }

  @Test func conflictingProvenanceIsRefused() throws {
    let model = try Self.model()
    var other = SyntheticClips.provenance
    other.frameCount = 16
    let test = SyntheticClips.orderTask(clipsPerClass: 2, seed: 6, split: .test)
    #expect {
      try EvaluationWorkflow.evaluate(model, modelPath: "m.vidi", clips: test, provenance: other)
    } throws: { error in
      "\(error)" == "m.vidi: model was trained on features with frame count 8, these have 16"
    }
    #expect(throws: (any Error).self) {
      try PredictionWorkflow.predict(model, modelPath: "m.vidi", clip: test[0], provenance: other)
    }
  }

  @Test func anEmptySplitIsAnError() throws {
    let model = try Self.model()
    #expect(throws: WorkflowError.noClips(dataset: "data", part: "the evaluation split")) {
      try EvaluationWorkflow.evaluate(
        model, modelPath: "m.vidi", clips: [], provenance: nil, dataset: "data")
    }
  }

  @Test func predictionsAreRankedAndEncodeAsTheDocumentedJSON() throws {
    let model = try Self.model()
    let clips = SyntheticClips.orderTask(clipsPerClass: 1, seed: 8, split: nil)
    let prediction = try PredictionWorkflow.predict(
      model, modelPath: "m.vidi", clip: clips[0], provenance: SyntheticClips.provenance, topK: 5,
      timeline: true)
    #expect(prediction.predictions.count == 2)
    #expect(prediction.predictions[0].probability >= prediction.predictions[1].probability)
    #expect(abs(prediction.predictions.map(\.probability).reduce(0, +) - 1) < 1e-5)

    let object = try #require(
      try JSONSerialization.jsonObject(with: Prediction.jsonData([prediction])) as? [String: Any])
    #expect(Set(object.keys) == ["video", "predictions", "timeline"])
    #expect(object["video"] as? String == clips[0].path)
    let ranked = try #require(object["predictions"] as? [[String: Any]])
    #expect(ranked.map { $0["label"] as? String } == prediction.predictions.map(\.label))
    #expect(ranked.allSatisfy { Set($0.keys) == ["label", "probability"] })
    let timeline = try #require(object["timeline"] as? [[String: Any]])
    #expect(timeline.count == SyntheticClips.frames)
    #expect(timeline.map { $0["frame"] as? Int } == clips[0].frameIndices)

    let plain = try PredictionWorkflow.predict(
      model, modelPath: "m.vidi", clip: clips[1], provenance: nil, topK: 1)
    #expect(plain.timeline == nil && plain.predictions.count == 1)
    let array = try #require(
      try JSONSerialization.jsonObject(with: Prediction.jsonData([prediction, plain]))
        as? [[String: Any]])
    #expect(array.count == 2 && array[1]["timeline"] == nil)

    let line = plain.text.split(separator: "\n")[1]
    let label = plain.predictions[0].label
    #expect(line.trimmingCharacters(in: .whitespaces).hasPrefix("\(label): "))
    #expect(line.hasSuffix("%") && line.contains("."))
    #expect(LabelProbability.percent(0.565) == "56.50%")
    #expect(prediction.text.contains("timeline (per-frame classifier)"))
  }

  @Test func aModelWithATimelineHeadRoundTripsThroughSaveAndLoad() throws {
    let folder = try SyntheticClips.scratch()
    defer { try? FileManager.default.removeItem(at: folder) }
    let model = try Self.model()
    let url = folder.appendingPathComponent("m.vidi")
    try model.save(to: url)
    #expect(
      FileManager.default.fileExists(
        atPath: url.appendingPathComponent("frame-classifier/weights.safetensors").path))
    let loaded = try TrainedModel.load(from: url)
    #expect(loaded == model)
    let clip = SyntheticClips.orderTask(clipsPerClass: 1, seed: 9)[0]
    #expect(
      try loaded.timeline(features: clip.values, length: clip.length)
        == model.timeline(features: clip.values, length: clip.length))

    // Without its head the model still loads; it just has no timeline.
    try FileManager.default.removeItem(at: url.appendingPathComponent("frame-classifier"))
    let bare = try TrainedModel.load(from: url)
    #expect(bare.frameClassifier == nil && !bare.hasTimeline)
    #expect(try bare.timeline(features: clip.values, length: clip.length) == nil)
    #expect(
      try bare.predict(features: clip.values, length: clip.length)
        == model.predict(features: clip.values, length: clip.length))
  }
}
