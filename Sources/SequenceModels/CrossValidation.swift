/// The folds of a k-fold cross-validation: which clips each fold validates on.
public struct FoldPlan: Sendable, Equatable {
  /// Each fold's validation clip indices, sorted; every clip is in exactly one fold.
  public var folds: [[Int]]
  /// The folds asked for; `folds.count` is smaller when there are too few groups.
  public var requested: Int
  /// Whether the folds are group-disjoint (some clips have groups).
  public var grouped: Bool
  /// Why there are fewer folds than requested; nil when there are not.
  public var note: String?

  /// E.g. "5-fold cross-validation, stratified by class, group-disjoint".
  public var description: String {
    "\(folds.count)-fold cross-validation, stratified by class"
      + (grouped ? ", group-disjoint" : "")
  }

  /// The training clip indices of fold `index`: every clip not in its validation part.
  public func training(_ index: Int, count: Int) -> [Int] {
    let held = Set(folds[index])
    return (0..<count).filter { !held.contains($0) }
  }
}

/// Stratified, group-disjoint k-fold split.
public enum CrossValidation {
  /// Splits clips into at most `k` folds.
  ///
  /// Each group (a clip without one is its own group) goes wholly into one fold. Groups are
  /// placed largest first (ties in a seeded random order), each into the fold where it brings
  /// the folds' per-class counts closest to an even share: this stratifies by class. There are
  /// fewer folds than `k` when a class spans fewer groups (or, without groups, has fewer clips);
  /// a class with all its clips in one group cannot be validated and is an error naming it.
  public static func folds(
    labels: [Int], groups: [String?], classes: [String], k: Int, seed: UInt64
  ) throws(SequenceModelError) -> FoldPlan {
    precondition(labels.count == groups.count)
    guard k >= 2 else { throw .invalidConfig("cross-validation needs at least 2 folds, not \(k)") }
    var members: [String: [Int]] = [:]
    var order: [String] = []
    for (index, group) in groups.enumerated() {
      let key = group.map { "g:" + $0 } ?? "c:\(index)"
      if members[key] == nil { order.append(key) }
      members[key, default: []].append(index)
    }
    let grouped = groups.contains { $0 != nil }
    let groupCounts = order.map { key in
      members[key]!.reduce(into: [Int](repeating: 0, count: classes.count)) { $0[labels[$1]] += 1 }
    }
    let spans = classes.indices.map { c in groupCounts.filter { $0[c] > 0 }.count }
    let present = classes.indices.filter { spans[$0] > 0 }
    guard let narrowest = present.min(by: { spans[$0] < spans[$1] }) else {
      throw .invalidData("cross-validation: no clips")
    }
    let unit = grouped ? "group" : "clip"
    guard spans[narrowest] >= 2 else {
      throw .invalidData(
        "cross-validation: class \(classes[narrowest]) has clips in only one \(unit); every "
          + "class needs clips in at least 2 \(unit)s to be validated (add clips from another "
          + "\(unit), or validate on a single split instead)")
    }
    let used = min(k, spans[narrowest])
    let note =
      used < k
      ? "\(k) folds asked, \(used) used: class \(classes[narrowest]) has clips in only "
        + "\(used) \(unit)s"
      : nil

    var generator = SeededGenerator(seed: seed, stream: 4)
    let shuffled = order.indices.shuffled(using: &generator)
    let placement = shuffled.enumerated().sorted {
      let (a, b) = (members[order[$0.element]]!.count, members[order[$1.element]]!.count)
      return a != b ? a > b : $0.offset < $1.offset
    }.map(\.element)
    let totals = classes.indices.map { c in Double(labels.filter { $0 == c }.count) }
    let target = totals.map { $0 / Double(used) }
    var counts = [[Double]](
      repeating: [Double](repeating: 0, count: classes.count), count: used)
    var folds = [[Int]](repeating: [], count: used)
    for group in placement {
      let added = groupCounts[group].map(Double.init)
      func cost(_ fold: Int) -> Double {
        classes.indices.reduce(0) { sum, c in
          let before = counts[fold][c] - target[c]
          let after = before + added[c]
          return sum + after * after - before * before
        }
      }
      let fold = (0..<used).min {
        let (a, b) = (cost($0), cost($1))
        return a != b ? a < b : folds[$0].count < folds[$1].count
      }!
      folds[fold] += members[order[group]]!
      for c in classes.indices { counts[fold][c] += added[c] }
    }
    folds = folds.filter { !$0.isEmpty }.map { $0.sorted() }
    return FoldPlan(folds: folds, requested: k, grouped: grouped, note: note)
  }
}
