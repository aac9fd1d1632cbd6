import ArgumentParser
import Foundation
import Pipeline

struct Demo: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Generate a small synthetic dataset of moving shapes and index it.",
    discussion: """
      Writes a few classes of short clips (train/<class>/*.avi, test/<class>/*.avi) with Vidi's \
      own encoder, then reads them back as `vidi index --probe` does.
      """)

  @Option(help: "Folder for the dataset (default: vidi-demo in the temporary folder).")
  var dir: String?

  @Flag(help: "Print the summary as JSON.")
  var json = false

  func run() throws {
    let root =
      dir.map { URL(fileURLWithPath: $0) }
      ?? FileManager.default.temporaryDirectory.appendingPathComponent("vidi-demo")
    do {
      try DemoDataset.generate(at: root)
      let index = try DatasetIndex(root: root, options: .init(probe: true))
      print(json ? index.summary.json : index.summary.report)
    } catch {
      FileHandle.standardError.write(Data("vidi: \(error)\n".utf8))
      throw ExitCode.failure
    }
  }
}
