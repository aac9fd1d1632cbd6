import Foundation
import Reporting
import Testing

@Suite struct EvaluationMetricsTests {
  /// Six clips over three classes, worked out by hand:
  /// clip 3 ties a and b (goes to a, listed first) and class c is never predicted.
  static let classes = ["a", "b", "c"]
  static let clips = [
    EvaluatedClip(path: "a/1.avi", trueLabel: 0, probabilities: [0.7, 0.2, 0.1]),
    EvaluatedClip(path: "a/2.avi", trueLabel: 0, probabilities: [0.2, 0.5, 0.3]),
    EvaluatedClip(path: "b/1.avi", trueLabel: 1, probabilities: [0.4, 0.4, 0.2]),
    EvaluatedClip(path: "b/2.avi", trueLabel: 1, probabilities: [0.1, 0.8, 0.1]),
    EvaluatedClip(path: "c/1.avi", trueLabel: 2, probabilities: [0.5, 0.2, 0.3]),
    EvaluatedClip(path: "a/3.avi", trueLabel: 0, probabilities: [0.6, 0.3, 0.1]),
  ]

  @Test func handComputedExample() throws {
    let m = try EvaluationMetrics(classes: Self.classes, clips: Self.clips)
    #expect(m.clipCount == 6)
    #expect(m.confusionMatrix == [[2, 1, 0], [1, 1, 0], [1, 0, 0]])
    #expect(m.accuracy == 0.5)
    #expect(m.topK == ["1": 0.5, "3": 1.0])
    #expect(abs(m.meanClassAccuracy - 7.0 / 18.0) < 1e-12)

    let a = m.perClass[0]
    #expect(a.label == "a" && a.support == 3)
    #expect(a.precision == 0.5)
    #expect(abs(a.recall - 2.0 / 3.0) < 1e-12)
    #expect(abs(a.f1 - 4.0 / 7.0) < 1e-12)
    #expect(
      m.perClass[1] == PerClassMetrics(label: "b", precision: 0.5, recall: 0.5, f1: 0.5, support: 2)
    )
    // Never predicted: precision is defined as 0 rather than 0/0.
    #expect(
      m.perClass[2] == PerClassMetrics(label: "c", precision: 0, recall: 0, f1: 0, support: 1))
  }

  @Test func misclassifiedClipsKeepInputOrderAndTopThree() throws {
    let m = try EvaluationMetrics(classes: Self.classes, clips: Self.clips)
    #expect(m.misclassified.map(\.path) == ["a/2.avi", "b/1.avi", "c/1.avi"])
    let tie = m.misclassified[1]
    #expect(tie.trueLabel == "b" && tie.predictedLabel == "a")
    #expect(
      tie.top == [
        LabelProbability(label: "a", probability: 0.4),
        LabelProbability(label: "b", probability: 0.4),
        LabelProbability(label: "c", probability: 0.2),
      ])
    #expect(m.misclassified[0].top.map(\.label) == ["b", "c", "a"])
    #expect(m.misclassified.allSatisfy { $0.frameTimeline == nil })
  }

  @Test func topKFollowsTheClassCount() throws {
    let two = try EvaluationMetrics(
      classes: ["x", "y"],
      clips: [EvaluatedClip(path: "p", trueLabel: 1, probabilities: [0.9, 0.1])])
    #expect(two.topK == ["1": 0])
    #expect(two.text.contains("\naccuracy 0.0%, mean class accuracy 0.0%\n"))

    // True class ranks 4th (ties after it keep class order): a top-5 hit, not a top-3 hit.
    let six = try EvaluationMetrics(
      classes: ["0", "1", "2", "3", "4", "5"],
      clips: [
        EvaluatedClip(path: "p", trueLabel: 3, probabilities: [0.3, 0.3, 0.2, 0.1, 0.1, 0]),
        EvaluatedClip(path: "q", trueLabel: 5, probabilities: [0.2, 0.2, 0.2, 0.2, 0.2, 0.0]),
      ])
    #expect(six.topK == ["1": 0, "3": 0, "5": 0.5])
    // Only classes 3 and 5 have clips and both are missed.
    #expect(six.meanClassAccuracy == 0)
    #expect(
      six.text.contains("\naccuracy 0.0%, top-3 0.0%, top-5 50.0%, mean class accuracy 0.0%\n"))
  }

  @Test func meanClassAccuracyIgnoresClassesWithoutClips() throws {
    let m = try EvaluationMetrics(
      classes: ["a", "b", "c"],
      clips: [
        EvaluatedClip(path: "1", trueLabel: 0, probabilities: [1, 0, 0]),
        EvaluatedClip(path: "2", trueLabel: 0, probabilities: [1, 0, 0]),
        EvaluatedClip(path: "3", trueLabel: 1, probabilities: [1, 0, 0]),
      ])
    #expect(m.meanClassAccuracy == 0.5)
    #expect(m.perClass[2].support == 0)
    #expect(abs(m.accuracy - 2.0 / 3.0) < 1e-12)
  }

  @Test func frameProbabilitiesBecomeATimelineOfTheTwoClasses() throws {
    let clip = EvaluatedClip(
      path: "v.avi", trueLabel: 0, probabilities: [0.3, 0.7],
      frameProbabilities: [[0.8, 0.2], [0.4, 0.6], [0.1, 0.9]])
    let m = try EvaluationMetrics(classes: ["sit", "stand"], clips: [clip])
    #expect(
      m.misclassified.first?.frameTimeline
        == FrameTimeline(trueClass: [0.8, 0.4, 0.1], predictedClass: [0.2, 0.6, 0.9]))
  }

  @Test func badInputIsRejectedWithOneLine() {
    #expect(throws: EvaluationError.noClips) { try EvaluationMetrics(classes: ["a"], clips: []) }
    #expect(throws: EvaluationError.noClasses) { try EvaluationMetrics(classes: [], clips: []) }
    #expect(throws: EvaluationError.duplicateClass("a")) {
      try EvaluationMetrics(classes: ["a", "a"], clips: [])
    }
    #expect(throws: EvaluationError.labelOutOfRange(path: "x.avi", label: 2, classCount: 2)) {
      try EvaluationMetrics(
        classes: ["a", "b"],
        clips: [EvaluatedClip(path: "x.avi", trueLabel: 2, probabilities: [1, 0])])
    }
    #expect(throws: EvaluationError.probabilityCount(path: "x.avi", expected: 2, found: 3)) {
      try EvaluationMetrics(
        classes: ["a", "b"],
        clips: [
          EvaluatedClip(
            path: "x.avi", trueLabel: 0, probabilities: [1, 0], frameProbabilities: [[1, 0, 0]])
        ])
    }
    #expect(throws: EvaluationError.nonFiniteProbability(path: "x.avi")) {
      try EvaluationMetrics(
        classes: ["a", "b"],
        clips: [EvaluatedClip(path: "x.avi", trueLabel: 0, probabilities: [.nan, 0])])
    }
    #expect(EvaluationError.noClips.description == "evaluation: no clips to evaluate")
    let line = EvaluationError.probabilityCount(path: "x.avi", expected: 2, found: 3).description
    #expect(line == "x.avi: 3 probabilities for 2 classes")
  }

  @Test func jsonHasTheDocumentedSnakeCaseShape() throws {
    let m = try EvaluationMetrics(classes: Self.classes, clips: Self.clips)
    let data = try m.jsonData()
    let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    #expect(
      Set(object.keys) == [
        "classes", "clip_count", "accuracy", "top_k", "mean_class_accuracy", "per_class",
        "confusion_matrix", "misclassified",
      ])
    #expect(object["classes"] as? [String] == ["a", "b", "c"])
    let topK = try #require(object["top_k"] as? [String: Double])
    #expect(topK == ["1": 0.5, "3": 1.0])
    let perClass = try #require(object["per_class"] as? [[String: Any]])
    #expect(perClass.count == 3)
    #expect(Set(perClass[0].keys) == ["label", "precision", "recall", "f1", "support"])
    #expect(perClass[2]["support"] as? Int == 1)
    #expect(object["confusion_matrix"] as? [[Int]] == [[2, 1, 0], [1, 1, 0], [1, 0, 0]])
    let wrong = try #require(object["misclassified"] as? [[String: Any]])
    #expect(Set(wrong[0].keys) == ["path", "true_label", "predicted_label", "top"])
    let top = try #require(wrong[0]["top"] as? [[String: Any]])
    #expect(top.first?["label"] as? String == "b")
    #expect(try JSONDecoder().decode(EvaluationMetrics.self, from: data) == m)
  }

  /// The terminal text numbers the confusion matrix's columns, and a class without clips (or
  /// never predicted) shows "—" rather than a made-up 0.0%.
  @Test func textHeadsTheMatrixColumnsAndDashesMissingValues() throws {
    let m = try EvaluationMetrics(
      classes: ["walk", "run", "jump"],
      clips: [
        EvaluatedClip(path: "1", trueLabel: 0, probabilities: [0.8, 0.2, 0]),
        EvaluatedClip(path: "2", trueLabel: 1, probabilities: [0.6, 0.4, 0]),
      ])
    let lines = m.text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    let jump = try #require(lines.first { $0.hasPrefix("jump ") })
    #expect(jump.split(separator: " ") == ["jump", "—", "—", "—", "0"])
    let run = try #require(lines.first { $0.hasPrefix("run ") })
    #expect(run.split(separator: " ") == ["run", "—", "0.0%", "0.0%", "1"])
    let heading = try #require(lines.firstIndex { $0.hasPrefix("confusion matrix") })
    #expect(lines[heading + 1].split(separator: " ") == ["1", "2", "3"])
    #expect(lines[heading + 2].split(separator: " ") == ["1", "walk", "1", "0", "0"])
    #expect(lines[heading + 3].split(separator: " ") == ["2", "run", "1", "0", "0"])
    #expect(lines[heading + 4].split(separator: " ") == ["3", "jump", "0", "0", "0"])
    #expect(m.predictedCounts == [2, 0, 0])
  }

  @Test func frameTimesComeFromEachClipsFrameRate() throws {
    var m = try EvaluationMetrics(
      classes: ["a", "b"],
      clips: [
        EvaluatedClip(
          path: "x.avi", trueLabel: 0, probabilities: [0.2, 0.8],
          frameProbabilities: [[0.3, 0.7], [0.1, 0.9]], frameIndices: [0, 25, 50])
      ])
    #expect(m.misclassified[0].frameTimeline?.frames == [0, 25])
    m.addFrameTimes(frameRates: ["x.avi": 25])
    #expect(m.misclassified[0].frameTimeline?.times == [0, 1])
    let json = String(decoding: try m.jsonData(), as: UTF8.self)
    #expect(json.contains("\"times\""))
  }
}
