import Foundation
import Pipeline
import Testing

/// The official UCF101 and HMDB51 split lists, on small synthetic copies of their layouts.
@Suite struct DatasetSplitListTests {
  /// UCF101's layout: class folders, and `ucfTrainTestlist/` with classInd and two splits.
  static func ucfTree() throws -> DatasetFolder {
    let data = try DatasetFolder()
    for name in [
      "ApplyEyeMakeup/v_ApplyEyeMakeup_g01_c01.avi", "ApplyEyeMakeup/v_ApplyEyeMakeup_g08_c01.avi",
      "HandstandPushups/v_HandStandPushups_g01_c01.avi",
      "HandstandPushups/v_HandStandPushups_g08_c01.avi",
      "HandstandPushups/v_HandStandPushups_g09_c01.avi",
    ] {
      try data.clip(name)
    }
    try data.file("ApplyEyeMakeup/notes.txt", "not a video")
    try data.file("ucfTrainTestlist/classInd.txt", "1 ApplyEyeMakeup\r\n2 HandstandPushups\r\n")
    // The real lists spell a class differently from its folder; matching ignores case.
    try data.file(
      "ucfTrainTestlist/trainlist01.txt",
      """
      ApplyEyeMakeup/v_ApplyEyeMakeup_g08_c01.avi 1
      HandstandPushups/v_HandStandPushups_g08_c01.avi 2
      HandstandPushups/v_HandStandPushups_g10_c01.avi 2

      """)
    try data.file(
      "ucfTrainTestlist/testlist01.txt",
      """
      ApplyEyeMakeup/v_ApplyEyeMakeup_g01_c01.avi
      handstandpushups/v_HandStandPushups_g01_c01.avi

      """)
    try data.file(
      "ucfTrainTestlist/trainlist02.txt",
      """
      ApplyEyeMakeup/v_ApplyEyeMakeup_g01_c01.avi 1
      HandstandPushups/v_HandStandPushups_g01_c01.avi 2
      HandstandPushups/v_HandStandPushups_g09_c01.avi 2
      """)
    try data.file(
      "ucfTrainTestlist/testlist02.txt",
      """
      ApplyEyeMakeup/v_ApplyEyeMakeup_g08_c01.avi
      HandstandPushups/v_HandStandPushups_g08_c01.avi
      """)
    return data
  }

  @Test func ucf101ListsAssignTheSplits() throws {
    let data = try Self.ucfTree()
    let index = try DatasetIndex(root: data.root)
    #expect(index.layout == .splitLists)
    #expect(index.labels == ["ApplyEyeMakeup", "HandstandPushups"], "the list folder is no class")
    #expect(
      index.clips(in: .train).map(\.path) == [
        "ApplyEyeMakeup/v_ApplyEyeMakeup_g08_c01.avi",
        "HandstandPushups/v_HandStandPushups_g08_c01.avi",
      ])
    #expect(
      index.clips(in: .test).map(\.path) == [
        "ApplyEyeMakeup/v_ApplyEyeMakeup_g01_c01.avi",
        "HandstandPushups/v_HandStandPushups_g01_c01.avi",
      ])
    #expect(index.clips(in: .unassigned).isEmpty)
    #expect(index.clips.allSatisfy { $0.group != nil })
    #expect(
      index.skipped.contains {
        $0.path == "HandstandPushups/v_HandStandPushups_g09_c01.avi" && $0.reason == .notListed
      })
    #expect(index.splitLists?.number == 1)
    #expect(index.splitLists?.missing == 1, "g10 is listed but not there")
    let report = index.summary.report
    #expect(report.contains("class folders with official split lists"))
    #expect(
      report.contains("split 1 of the lists in ucfTrainTestlist; 1 listed clip not in the folder"))

    let second = try DatasetIndex(root: data.root, options: .init(splitNumber: 2))
    #expect(second.clips(in: .train).count == 3)
    #expect(second.clips(in: .test).count == 2)
    #expect(second.splitLists?.missing == 0)
  }

  @Test func aMissingSplitIsAnErrorNamingTheFolder() throws {
    let data = try Self.ucfTree()
    #expect {
      try DatasetIndex(root: data.root, options: .init(splitNumber: 3))
    } throws: { error in
      let text = "\(error)"
      return text.contains("ucfTrainTestlist: bad split lists: no lists for split 3")
    }
  }

  @Test func hmdb51FlagsAssignTheSplits() throws {
    let data = try DatasetFolder()
    for name in [
      "brush_hair/a_0.avi", "brush_hair/b_0.avi", "brush_hair/c_0.avi", "cartwheel/d_0.avi",
    ] {
      try data.clip(name)
    }
    try data.file(
      "testTrainMulti_7030_splits/brush_hair_test_split1.txt",
      "a_0.avi 1 \nb_0.avi 2 \nc_0.avi 0 \n")
    try data.file(
      "testTrainMulti_7030_splits/cartwheel_test_split1.txt", "d_0.avi 2 \ne_0.avi 1 \n")
    let index = try DatasetIndex(root: data.root)
    #expect(index.layout == .splitLists)
    #expect(index.clips(in: .train).map(\.path) == ["brush_hair/a_0.avi"])
    #expect(index.clips(in: .test).map(\.path) == ["brush_hair/b_0.avi", "cartwheel/d_0.avi"])
    #expect(
      index.skipped.contains { $0.path == "brush_hair/c_0.avi" && $0.reason == .unusedInSplit })
    #expect(index.splitLists?.missing == 1)
  }

  @Test func listsInTheDatasetFolderItselfWork() throws {
    let data = try DatasetFolder()
    try data.clip("Walk/v_Walk_g01_c01.avi")
    try data.clip("Walk/v_Walk_g02_c01.avi")
    try data.file("trainlist01.txt", "Walk/v_Walk_g01_c01.avi 1\n")
    try data.file("testlist01.txt", "Walk/v_Walk_g02_c01.avi\n")
    let index = try DatasetIndex(root: data.root)
    #expect(index.layout == .splitLists)
    #expect(index.splits == [.train, .test])
    #expect(index.skipped.isEmpty)
  }
}
