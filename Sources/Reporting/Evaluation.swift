import Foundation

/// One evaluated clip: where it came from, its true class and what the model predicted.
public struct EvaluatedClip: Sendable, Hashable, Codable {
  /// The clip's path as the dataset lists it; shown in reports, never opened here.
  public var path: String
  /// Index of the true class in the evaluation's class list.
  public var trueLabel: Int
  /// Clip-level probability of each class, in class order.
  public var probabilities: [Float]
  /// Optional per-frame probabilities (frames × classes), from the per-frame classifier.
  public var frameProbabilities: [[Float]]?
  /// The source frame index of each row of `frameProbabilities`, when known.
  public var frameIndices: [Int]?

  public init(
    path: String, trueLabel: Int, probabilities: [Float], frameProbabilities: [[Float]]? = nil,
    frameIndices: [Int]? = nil
  ) {
    self.path = path
    self.trueLabel = trueLabel
    self.probabilities = probabilities
    self.frameProbabilities = frameProbabilities
    self.frameIndices = frameIndices
  }
}

/// A class label with the probability the model gave it.
public struct LabelProbability: Sendable, Hashable, Codable {
  public var label: String
  public var probability: Float

  public init(label: String, probability: Float) {
    self.label = label
    self.probability = probability
  }

  /// `probability` as a percentage with two decimals, e.g. "56.50%".
  public static func percent(_ probability: Float) -> String {
    String(format: "%.2f%%", Double(probability) * 100)
  }
}

/// Precision, recall and F1 of one class, with its number of true clips.
public struct PerClassMetrics: Sendable, Hashable, Codable {
  public var label: String
  /// Correct predictions of this class over all predictions of it; 0 when it was never predicted.
  public var precision: Double
  /// Correct predictions of this class over its true clips; 0 when it has no clips.
  public var recall: Double
  /// Harmonic mean of precision and recall; 0 when both are 0.
  public var f1: Double
  /// Number of clips whose true class is this one.
  public var support: Int

  public init(label: String, precision: Double, recall: Double, f1: Double, support: Int) {
    self.label = label
    self.precision = precision
    self.recall = recall
    self.f1 = f1
    self.support = support
  }
}

/// How the true class's and the predicted class's probabilities moved over a clip's frames.
public struct FrameTimeline: Sendable, Hashable, Codable {
  public var trueClass: [Float]
  public var predictedClass: [Float]
  /// The source frame index of each value, when known.
  public var frames: [Int]?
  /// Seconds from the start of the clip to each frame, when its frame rate is known.
  public var times: [Double]?

  public init(
    trueClass: [Float], predictedClass: [Float], frames: [Int]? = nil, times: [Double]? = nil
  ) {
    self.trueClass = trueClass
    self.predictedClass = predictedClass
    self.frames = frames
    self.times = times
  }

  enum CodingKeys: String, CodingKey {
    case trueClass = "true_class"
    case predictedClass = "predicted_class"
    case frames, times
  }
}

/// A clip the model got wrong, with its three most probable classes.
public struct MisclassifiedClip: Sendable, Hashable, Codable {
  public var path: String
  public var trueLabel: String
  public var predictedLabel: String
  /// The most probable classes, best first (three, or fewer when there are fewer classes).
  public var top: [LabelProbability]
  /// Present when the clip came with per-frame probabilities.
  public var frameTimeline: FrameTimeline?

  public init(
    path: String, trueLabel: String, predictedLabel: String, top: [LabelProbability],
    frameTimeline: FrameTimeline? = nil
  ) {
    self.path = path
    self.trueLabel = trueLabel
    self.predictedLabel = predictedLabel
    self.top = top
    self.frameTimeline = frameTimeline
  }

  enum CodingKeys: String, CodingKey {
    case path
    case trueLabel = "true_label"
    case predictedLabel = "predicted_label"
    case top
    case frameTimeline = "frame_timeline"
  }
}

/// Why a set of predictions cannot be evaluated.
public enum EvaluationError: Error, Equatable, CustomStringConvertible {
  case noClasses
  case duplicateClass(String)
  case noClips
  case labelOutOfRange(path: String, label: Int, classCount: Int)
  case probabilityCount(path: String, expected: Int, found: Int)
  case nonFiniteProbability(path: String)

  public var description: String {
    switch self {
    case .noClasses:
      "evaluation: the class list is empty"
    case .duplicateClass(let label):
      "evaluation: class \"\(label)\" is listed twice"
    case .noClips:
      "evaluation: no clips to evaluate"
    case .labelOutOfRange(let path, let label, let classCount):
      "\(path): true label \(label) is outside the \(classCount) classes"
    case .probabilityCount(let path, let expected, let found):
      "\(path): \(found) probabilities for \(expected) classes"
    case .nonFiniteProbability(let path):
      "\(path): a probability is NaN or infinite"
    }
  }
}

/// Classification metrics over a set of evaluated clips.
///
/// The predicted class is the most probable one; equal probabilities go to the class listed
/// first. Top-k uses the same order: a clip counts when its true class ranks among the first k.
/// Mean class accuracy averages recall over the classes that have clips, so a class absent from
/// the split neither helps nor hurts. Encodes to JSON with snake_case keys.
public struct EvaluationMetrics: Sendable, Hashable, Codable {
  public var classes: [String]
  public var clipCount: Int
  /// Fraction of clips whose predicted class is the true one.
  public var accuracy: Double
  /// Top-k accuracy keyed by k ("1", "3", "5"), for each k not above the number of classes.
  public var topK: [String: Double]
  public var meanClassAccuracy: Double
  /// One entry per class, in class order.
  public var perClass: [PerClassMetrics]
  /// Counts with rows = true class and columns = predicted class, both in class order.
  public var confusionMatrix: [[Int]]
  /// The wrongly predicted clips, in input order.
  public var misclassified: [MisclassifiedClip]

  enum CodingKeys: String, CodingKey {
    case classes
    case clipCount = "clip_count"
    case accuracy
    case topK = "top_k"
    case meanClassAccuracy = "mean_class_accuracy"
    case perClass = "per_class"
    case confusionMatrix = "confusion_matrix"
    case misclassified
  }

  /// How many clips were predicted as each class (the confusion matrix's column sums).
  public var predictedCounts: [Int] {
    classes.indices.map { column in confusionMatrix.reduce(0) { $0 + $1[column] } }
  }

  /// The k values reported, as far as the number of classes allows.
  public static let reportedK = [1, 3, 5]

  /// Computes every metric from the clips' probabilities.
  public init(classes: [String], clips: [EvaluatedClip]) throws(EvaluationError) {
    try Self.validate(classes: classes, clips: clips)
    let classCount = classes.count
    var confusion = Array(repeating: Array(repeating: 0, count: classCount), count: classCount)
    let ks = Self.reportedK.filter { $0 <= classCount }
    var topKHits = Array(repeating: 0, count: ks.count)
    var misclassified: [MisclassifiedClip] = []

    for clip in clips {
      let ranking = Self.ranking(clip.probabilities)
      let predicted = ranking[0]
      confusion[clip.trueLabel][predicted] += 1
      let rank = ranking.firstIndex(of: clip.trueLabel)!
      for (i, k) in ks.enumerated() where rank < k {
        topKHits[i] += 1
      }
      if predicted != clip.trueLabel {
        misclassified.append(
          MisclassifiedClip(
            path: clip.path,
            trueLabel: classes[clip.trueLabel],
            predictedLabel: classes[predicted],
            top: ranking.prefix(3).map {
              LabelProbability(label: classes[$0], probability: clip.probabilities[$0])
            },
            frameTimeline: clip.frameProbabilities.map {
              FrameTimeline(
                trueClass: $0.map { $0[clip.trueLabel] }, predictedClass: $0.map { $0[predicted] },
                frames: clip.frameIndices.map { Array($0.prefix(clip.frameProbabilities!.count)) })
            }))
      }
    }

    let total = Double(clips.count)
    self.classes = classes
    self.clipCount = clips.count
    self.confusionMatrix = confusion
    self.misclassified = misclassified
    self.accuracy = Double(clips.count - misclassified.count) / total
    self.topK = Dictionary(
      uniqueKeysWithValues: zip(ks, topKHits).map { (String($0), Double($1) / total) })
    self.perClass = Self.perClassMetrics(classes: classes, confusion: confusion)
    let present = perClass.filter { $0.support > 0 }
    self.meanClassAccuracy = present.map(\.recall).reduce(0, +) / Double(present.count)
  }

  /// Adds the time of each frame to the misclassified clips' timelines, from each clip's frame
  /// rate (keyed by path; clips without one keep frame numbers only).
  public mutating func addFrameTimes(frameRates: [String: Double]) {
    for index in misclassified.indices {
      guard let rate = frameRates[misclassified[index].path], rate > 0,
        let frames = misclassified[index].frameTimeline?.frames
      else { continue }
      misclassified[index].frameTimeline?.times = frames.map { Double($0) / rate }
    }
  }

  /// Pretty-printed JSON with sorted keys, so reruns diff cleanly.
  public func jsonData() throws -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    return try encoder.encode(self)
  }

  /// Class indices from most to least probable; equal probabilities keep class order.
  public static func ranking(_ probabilities: [Float]) -> [Int] {
    probabilities.indices.sorted {
      probabilities[$0] != probabilities[$1]
        ? probabilities[$0] > probabilities[$1] : $0 < $1
    }
  }

  private static func validate(
    classes: [String], clips: [EvaluatedClip]
  ) throws(EvaluationError) {
    guard !classes.isEmpty else { throw .noClasses }
    var seen = Set<String>()
    for label in classes where !seen.insert(label).inserted {
      throw .duplicateClass(label)
    }
    guard !clips.isEmpty else { throw .noClips }
    for clip in clips {
      guard classes.indices.contains(clip.trueLabel) else {
        throw .labelOutOfRange(path: clip.path, label: clip.trueLabel, classCount: classes.count)
      }
      let rows = [clip.probabilities] + (clip.frameProbabilities ?? [])
      for row in rows {
        guard row.count == classes.count else {
          throw .probabilityCount(path: clip.path, expected: classes.count, found: row.count)
        }
        guard row.allSatisfy(\.isFinite) else { throw .nonFiniteProbability(path: clip.path) }
      }
    }
  }

  private static func perClassMetrics(classes: [String], confusion: [[Int]]) -> [PerClassMetrics] {
    classes.indices.map { c in
      let truePositives = confusion[c][c]
      let support = confusion[c].reduce(0, +)
      let predictedCount = confusion.reduce(0) { $0 + $1[c] }
      let precision = predictedCount == 0 ? 0 : Double(truePositives) / Double(predictedCount)
      let recall = support == 0 ? 0 : Double(truePositives) / Double(support)
      let f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall)
      return PerClassMetrics(
        label: classes[c], precision: precision, recall: recall, f1: f1, support: support)
    }
  }
}
