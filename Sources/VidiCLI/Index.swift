import ArgumentParser
import Foundation
import Pipeline

struct Index: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Summarise a dataset per split and class and write its manifest.",
    discussion: """
      ROOT is a folder in the classic layout (ROOT/train/<class>/*, ROOT/test/<class>/*), a \
      folder of class folders (ROOT/<class>/*), or a CSV manifest with video_name,tag columns \
      (or a folder holding train.csv and test.csv). Hidden and system files and files that are \
      not videos are skipped and counted. With --probe each video's header is read: durations \
      are shown, unreadable files are listed with the reason, and the manifest gains \
      frames,fps,width,height,duration,status columns. Exits non-zero when ROOT is missing or \
      holds no usable clips; unreadable files are only warnings.

      Class folders with the official split lists UCF101 and HMDB51 ship (classInd.txt, \
      trainlist01.txt, testlist01.txt; <class>_test_split1.txt) in ROOT or in a folder inside \
      it are split by those lists; --official-split 2 or 3 picks another of their splits. Every command \
      that takes a DATASET reads them the same way.

      Examples:
        vidi index data/ucf101 --probe
        vidi index UCF-101 --official-split 2 --out ucf101-split2.csv
        vidi index data/clips.csv --json
      """)

  @Argument(help: "Dataset folder or CSV manifest.")
  var root: String

  @OptionGroup var datasetArguments: DatasetArguments

  @Option(help: "Write the manifest CSV (path,label,split,group, ...) to this file.")
  var out: String?

  @Flag(help: "Read each video's header (durations, sizes, unreadable files).")
  var probe = false

  @Flag(help: "Print the summary as JSON.")
  var json = false

  @Option(
    name: .customLong("group-pattern"),
    help:
      "Regular expression whose first capture group is a clip's group key (default: UCF101 gNN, KTH personNN)."
  )
  var groupPattern: String?

  func run() throws {
    do {
      let groups = try groupPattern.map { pattern throws(DatasetError) in
        try GroupKeyRule(pattern: pattern)
      }
      let index = try datasetArguments.index(root, probe: probe, groups: groups ?? .builtIn)
      var summary = index.summary
      if let out, index.isUsable {
        let url = URL(fileURLWithPath: out)
        try index.writeManifest(to: url)
        summary.manifest = url.standardizedFileURL.path
      }
      print(json ? summary.json : summary.report)
      guard index.isUsable else { throw DatasetError.noClips(path: index.root.path) }
    } catch let error as DatasetError {
      Console.failure("\(error)")
      throw ExitCode.failure
    }
  }
}
