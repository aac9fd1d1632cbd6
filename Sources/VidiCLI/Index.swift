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
      """)

  @Argument(help: "Dataset folder or CSV manifest.")
  var root: String

  @Option(help: "Write the manifest CSV (path,label,split,group, ...) to this file.")
  var out: String?

  @Flag(help: "Replace the Vidi manifest already at --out (nothing else is ever replaced).")
  var force = false

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
      let target = out.map { OutputTarget(URL(fileURLWithPath: $0), kind: .manifest) }
      try target?.check(force: force, inputs: [URL(fileURLWithPath: root)])
      let groups = try groupPattern.map { pattern throws(DatasetError) in
        try GroupKeyRule(pattern: pattern)
      }
      let index = try DatasetIndex(
        root: URL(fileURLWithPath: root), options: .init(probe: probe, groups: groups ?? .builtIn))
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
    } catch let error as OutputError {
      Console.failure("\(error)")
      throw ExitCode.failure
    }
  }
}
