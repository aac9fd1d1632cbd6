import SequenceModels
import Testing

@Suite struct CrossValidationTests {
  static let classes = ["a", "b", "c"]

  /// `groups` groups, each holding `perClass[c]` clips of every class c (as UCF101's groups
  /// hold clips of every class).
  static func groupedClips(groups: Int, perClass: [Int]) -> (labels: [Int], groups: [String?]) {
    var labels: [Int] = []
    var keys: [String?] = []
    for g in 0..<groups {
      for (c, count) in perClass.enumerated() {
        labels += [Int](repeating: c, count: count)
        keys += [String?](repeating: "g\(g)", count: count)
      }
    }
    return (labels, keys)
  }

  @Test func foldsAreGroupDisjointStratifiedAndCoverEveryClipOnce() throws {
    let (labels, groups) = Self.groupedClips(groups: 11, perClass: [5, 3, 4])
    let plan = try CrossValidation.folds(
      labels: labels, groups: groups, classes: Self.classes, k: 5, seed: 1)
    #expect(plan.folds.count == 5)
    #expect(plan.note == nil)
    #expect(plan.folds.flatMap { $0 }.sorted() == Array(labels.indices))
    for (index, fold) in plan.folds.enumerated() {
      let held = Set(fold.map { groups[$0]! })
      let trained = Set(plan.training(index, count: labels.count).map { groups[$0]! })
      #expect(held.isDisjoint(with: trained))
      #expect(held.count == 2 || held.count == 3)
      // Whole groups of identical make-up: each class's share is the fold's share.
      for c in Self.classes.indices {
        let count = fold.filter { labels[$0] == c }.count
        #expect(count == held.count * [5, 3, 4][c])
      }
    }
  }

  @Test func withoutGroupsFoldsAreStratifiedClipByClip() throws {
    let labels = (0..<53).map { $0 % 3 == 0 ? 0 : ($0 % 3 == 1 ? 1 : 2) } + [0, 0, 0, 0]
    let plan = try CrossValidation.folds(
      labels: labels, groups: labels.map { _ in nil }, classes: Self.classes, k: 5, seed: 2)
    #expect(plan.folds.count == 5)
    #expect(!plan.grouped)
    #expect(plan.description == "5-fold cross-validation, stratified by class")
    for c in Self.classes.indices {
      let counts = plan.folds.map { fold in fold.filter { labels[$0] == c }.count }
      #expect(counts.max()! - counts.min()! <= 1, "class \(c): \(counts)")
    }
  }

  @Test func sameSeedSameFoldsAndTheSeedShufflesTies() throws {
    let (labels, groups) = Self.groupedClips(groups: 10, perClass: [2, 2, 2])
    func plan(_ seed: UInt64) throws -> [[Int]] {
      try CrossValidation.folds(
        labels: labels, groups: groups, classes: Self.classes, k: 5, seed: seed
      ).folds
    }
    #expect(try plan(4) == plan(4))
    #expect(try Set((1...6).map { try plan($0) }).count > 1)
  }

  @Test func fewerGroupsThanFoldsGivesFewerFoldsAndSaysWhy() throws {
    var (labels, groups) = Self.groupedClips(groups: 6, perClass: [3, 3, 0])
    // Class c appears in three groups only.
    for g in 0..<3 {
      labels += [2, 2]
      groups += ["g\(g)", "g\(g)"]
    }
    let plan = try CrossValidation.folds(
      labels: labels, groups: groups, classes: Self.classes, k: 5, seed: 1)
    #expect(plan.folds.count == 3)
    #expect(plan.note == "5 folds asked, 3 used: class c has clips in only 3 groups")
  }

  @Test func aClassInOneGroupIsAClearError() {
    let labels = [0, 0, 1, 1, 2, 2]
    let groups: [String?] = ["g1", "g2", "g1", "g2", "g3", "g3"]
    #expect(
      throws: SequenceModelError.invalidData(
        "cross-validation: class c has clips in only one group; every class needs clips in at "
          + "least 2 groups to be validated (add clips from another group, or validate on a "
          + "single split instead)")
    ) {
      try CrossValidation.folds(
        labels: labels, groups: groups, classes: Self.classes, k: 5, seed: 1)
    }
  }
}
