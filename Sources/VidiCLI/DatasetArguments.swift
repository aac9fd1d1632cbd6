import ArgumentParser
import Foundation
import Pipeline

/// What every command that reads a DATASET accepts beside its path.
struct DatasetArguments: ParsableArguments {
  @Option(
    help: ArgumentHelp(
      "Which official split to use when the dataset has UCF101 or HMDB51 split lists.",
      discussion:
        "1 reads trainlist01.txt and testlist01.txt (UCF101) or *_test_split1.txt (HMDB51).",
      valueName: "n"))
  var officialSplit = 1

  func validate() throws {
    guard officialSplit >= 1 else { throw ValidationError("--official-split must be at least 1.") }
  }

  /// The index of `dataset` with these options.
  func index(
    _ dataset: String, probe: Bool = false, groups: GroupKeyRule = .builtIn
  ) throws(DatasetError) -> DatasetIndex {
    try DatasetIndex(
      root: URL(fileURLWithPath: dataset),
      options: .init(probe: probe, groups: groups, splitNumber: officialSplit))
  }
}
