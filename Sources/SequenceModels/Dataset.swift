/// One clip: its frame features, how many of its frames are real, its class and its group.
public struct SequenceClip: Sendable, Equatable {
  /// `frames × featureDimension` floats, row-major (one row per frame).
  public var features: [Float]
  /// The number of leading frames that are real; the rest are padding and masked out.
  public var length: Int
  /// Index into the dataset's `classes`.
  public var label: Int
  /// Clips sharing a group (e.g. UCF101's "g08", cut from one source video) are never split
  /// between training and validation.
  public var group: String?

  public init(features: [Float], length: Int, label: Int, group: String? = nil) {
    self.features = features
    self.length = length
    self.label = label
    self.group = group
  }
}

/// Labelled clips of frame features, as the pipeline hands them to the trainer.
public struct SequenceDataset: Sendable, Equatable {
  /// Class names; a clip's `label` indexes this.
  public var classes: [String]
  public var featureDimension: Int
  public var clips: [SequenceClip]

  public init(classes: [String], featureDimension: Int, clips: [SequenceClip]) {
    self.classes = classes
    self.featureDimension = featureDimension
    self.clips = clips
  }

  /// The clips at `indices`, same classes.
  public func subset(_ indices: [Int]) -> SequenceDataset {
    SequenceDataset(
      classes: classes, featureDimension: featureDimension, clips: indices.map { clips[$0] })
  }

  /// Clips per class.
  public var classCounts: [Int] {
    var counts = [Int](repeating: 0, count: classes.count)
    for clip in clips where counts.indices.contains(clip.label) { counts[clip.label] += 1 }
    return counts
  }

  /// The most frames any clip has.
  var maximumFrames: Int {
    clips.map { $0.features.count / max(featureDimension, 1) }.max() ?? 0
  }

  /// Throws the first inconsistency: a clip whose features are not whole frames, whose length is
  /// outside 1...frames, or whose label is not a class.
  func validate(name: String) throws(SequenceModelError) {
    guard featureDimension > 0 else {
      throw .invalidData("\(name): feature dimension must be positive")
    }
    guard classes.count >= 2 else {
      throw .invalidData("\(name): needs at least two classes, has \(classes.count)")
    }
    for (index, clip) in clips.enumerated() {
      let frames = clip.features.count / featureDimension
      guard clip.features.count % featureDimension == 0, frames > 0 else {
        throw .invalidData(
          "\(name) clip \(index): \(clip.features.count) floats is not whole frames of "
            + "\(featureDimension)")
      }
      guard (1...frames).contains(clip.length) else {
        throw .invalidData(
          "\(name) clip \(index): length \(clip.length) outside 1...\(frames)")
      }
      guard classes.indices.contains(clip.label) else {
        throw .invalidData(
          "\(name) clip \(index): label \(clip.label) is not one of \(classes.count) classes")
      }
    }
  }
}

/// Errors from training and prediction, one line each.
public enum SequenceModelError: Error, Equatable, CustomStringConvertible {
  /// Inconsistent clips or datasets.
  case invalidData(String)
  /// A training setting that cannot work.
  case invalidConfig(String)
  /// The loss became NaN or infinite.
  case diverged(epoch: Int)

  public var description: String {
    switch self {
    case .invalidData(let reason): "invalid data: \(reason)"
    case .invalidConfig(let reason): "invalid training config: \(reason)"
    case .diverged(let epoch): "training diverged: the loss is not finite in epoch \(epoch)"
    }
  }
}
