/// Where the validation clips that pick the best epoch come from.
public enum ValidationSource: Sendable, Equatable {
  /// Hold out this fraction of the training clips: stratified by class, and group-disjoint
  /// when clips have groups.
  case fraction(Double)
  /// A separate, explicitly given set; `description` says how it was chosen (the model's
  /// data summary records it).
  case dataset(SequenceDataset, description: String = "explicit validation set")
  /// No validation: keep the last epoch's weights, no early stopping.
  case none
}

/// Stratified, group-disjoint hold-out split.
public enum ValidationSplit {
  /// Splits clip indices into training and validation.
  ///
  /// Each group (a clip without one is its own group) goes wholly to one side. Groups are taken
  /// per class (a group's class is its most common label) in a seeded random order, each one
  /// while it brings that class's validation count closer to `fraction` of the class. A class
  /// with at least two groups gets at least one validation group and keeps at least one
  /// training group. Both index lists are sorted.
  public static func split(
    labels: [Int], groups: [String?], fraction: Double, seed: UInt64
  ) -> (training: [Int], validation: [Int]) {
    precondition(labels.count == groups.count)
    var members: [String: [Int]] = [:]
    var order: [String] = []
    for (index, group) in groups.enumerated() {
      let key = group.map { "g:" + $0 } ?? "c:\(index)"
      if members[key] == nil { order.append(key) }
      members[key, default: []].append(index)
    }
    var groupsByClass: [Int: [String]] = [:]
    var classSize: [Int: Int] = [:]
    for key in order {
      let clips = members[key]!
      var counts: [Int: Int] = [:]
      for clip in clips { counts[labels[clip], default: 0] += 1 }
      let majority = counts.max { ($0.value, -$0.key) < ($1.value, -$1.key) }!.key
      groupsByClass[majority, default: []].append(key)
      classSize[majority, default: 0] += clips.count
    }
    var generator = SeededGenerator(seed: seed, stream: 3)
    var validation: [Int] = []
    for label in groupsByClass.keys.sorted() {
      var keys = groupsByClass[label]!
      keys.shuffle(using: &generator)
      let target = fraction * Double(classSize[label]!)
      var taken = 0
      var chosen = 0
      for key in keys where chosen < keys.count - 1 {
        let size = members[key]!.count
        let closer = abs(Double(taken + size) - target) < abs(Double(taken) - target)
        guard closer || (chosen == 0 && target > 0) else { continue }
        validation += members[key]!
        taken += size
        chosen += 1
      }
    }
    let held = Set(validation)
    return (labels.indices.filter { !held.contains($0) }, validation.sorted())
  }
}
