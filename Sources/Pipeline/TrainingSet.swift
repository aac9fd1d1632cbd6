import SequenceModels

/// Training clips as the trainer takes them, split once into training and validation so every
/// candidate model is trained and compared on the same clips.
///
/// The split is stratified by class and group-disjoint: a clip's group is its group key, or
/// the clip itself when it has none. Extra views (flipped frames, end squares) join their
/// clip's group, so a view of a validation clip is never trained on; validation uses original
/// views, and cross-validation averages in the test-time views (`testViewClips`).
public struct TrainingSet: Sendable, Equatable {
  /// Names the data in errors, e.g. the dataset folder.
  public let dataset: String
  /// Sorted class names; labels index this.
  public let classes: [String]
  /// Original views of the training clips, then the extra views of those clips.
  public let training: SequenceDataset
  /// Original views of the validation clips (possibly none).
  public let validation: SequenceDataset
  /// The path of each training clip, in `training.clips` order.
  public let trainingPaths: [String]
  /// The path of each validation clip, in `validation.clips` order.
  public let validationPaths: [String]
  /// How the validation clips were chosen, for the model's data summary.
  public let validationDescription: String
  /// How many of the training clips are extra views (flipped frames, end squares).
  public let extraViews: Int
  /// For each original training clip (the first `training.clips.count - extraViews`), the
  /// positions in `training.clips` of its other test-time views: the views a model trained
  /// on this set averages at prediction, so cross-validation scores it the same way. Empty
  /// lists when the only test-time view is the original.
  public let testViewClips: [[Int]]
  /// Whether some clips have group keys (so splits keep groups whole).
  public let hasGroups: Bool
  /// The share of the original training clips actually held out for validation.
  public let validationShare: Double
  /// Why `validationShare` differs from the fraction asked, when it does by more than two
  /// points; nil otherwise.
  public let validationNote: String?

  /// Splits `clips` (every view of every training clip of a dataset) holding out about
  /// `validationFraction` of each class. `testViews` are the views a model trained on the set
  /// averages at prediction (`FeatureOptions.testViews`). `dataset` names the data in errors.
  public init(
    clips: [ClipFeatures], validationFraction: Double, seed: UInt64,
    testViews: [FeatureView] = [.original], dataset: String = "training set"
  ) throws {
    guard (0..<1).contains(validationFraction) else {
      throw SequenceModelError.invalidConfig(
        "validation fraction \(validationFraction) outside [0, 1)")
    }
    let originals = clips.filter { $0.view == .original }
    guard let first = originals.first else {
      throw WorkflowError.noClips(dataset: dataset, part: "the training clips")
    }
    var labels: [String] = []
    for clip in clips {
      guard let label = clip.label else { throw WorkflowError.unlabeled(path: clip.path) }
      guard clip.dimension == first.dimension else {
        throw WorkflowError.dimensionMismatch(
          path: clip.path, found: clip.dimension, expected: first.dimension)
      }
      labels.append(label)
    }
    let classes = Array(Set(labels)).sorted()
    guard classes.count >= 2 else {
      throw WorkflowError.tooFewClasses(dataset: dataset, classes: classes)
    }
    let index = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })
    func sequence(_ clip: ClipFeatures) -> SequenceClip {
      clip.sequenceClip(label: index[clip.label!]!, group: Self.groupKey(of: clip))
    }

    let split =
      validationFraction > 0
      ? ValidationSplit.split(
        labels: originals.map { index[$0.label!]! }, groups: originals.map(Self.groupKey),
        fraction: validationFraction, seed: seed)
      : (training: Array(originals.indices), validation: [])
    let heldGroups = Set(split.validation.map { Self.groupKey(of: originals[$0]) })
    let trained =
      split.training.map { originals[$0] }
      + clips.filter { $0.view != .original && !heldGroups.contains(Self.groupKey(of: $0)) }
    let held = split.validation.map { originals[$0] }

    self.dataset = dataset
    self.classes = classes
    training = SequenceDataset(
      classes: classes, featureDimension: first.dimension, clips: trained.map(sequence))
    validation = SequenceDataset(
      classes: classes, featureDimension: first.dimension, clips: held.map(sequence))
    trainingPaths = trained.map(\.path)
    validationPaths = held.map(\.path)
    extraViews = trained.count - split.training.count
    var viewClips = [[Int]](repeating: [], count: split.training.count)
    let originalPosition = Dictionary(
      trained.prefix(split.training.count).enumerated().map { ($1.path, $0) },
      uniquingKeysWith: { a, _ in a })
    for (position, clip) in trained.enumerated().dropFirst(split.training.count)
    where clip.view != .original && testViews.contains(clip.view) {
      if let original = originalPosition[clip.path] { viewClips[original].append(position) }
    }
    testViewClips = viewClips
    let grouped = originals.contains { $0.group != nil }
    hasGroups = grouped
    let share = Double(held.count) / Double(originals.count)
    validationShare = share
    validationDescription =
      validationFraction == 0
      ? "none"
      : "fraction \(validationFraction) asked, \(held.count) of \(originals.count) clips held out "
        + String(format: "(%.1f%%)", share * 100) + ", stratified by class"
        + (grouped ? ", group-disjoint" : "")
        + (extraViews > 0 ? ", extra views kept with their clip" : "")
    let wholeGroups = Set(split.validation.map { Self.groupKey(of: originals[$0]) }).count
    validationNote =
      grouped && validationFraction > 0 && abs(share - validationFraction) > 0.02
      ? String(format: "%.1f%% rather than %g%%: ", share * 100, validationFraction * 100)
        + "whole groups go to validation (\(wholeGroups) of "
        + "\(Set(originals.map(Self.groupKey)).count) groups), so that no group is on both sides"
      : nil
  }

  /// The group a clip is split by: its group key, else its own path (so its views follow it).
  static func groupKey(of clip: ClipFeatures) -> String {
    clip.group.map { "group:" + $0 } ?? "clip:" + clip.path
  }
}
