import ArgumentParser
import Foundation
import Pipeline

struct Demo: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Render the embedded stick-figure activity dataset and index it.",
    discussion: """
      Writes eight actions of a stick figure (train/<action>/*.avi, test/<action>/*.avi) with \
      Vidi's own renderer and encoder; two pairs of actions hold the same poses in opposite \
      order (sit-down / stand-up, circle-clockwise / circle-counterclockwise). Then reads the \
      clips back as `vidi index --probe` does.

      Example: vidi demo --dir /tmp/vidi-demo
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
      try DemoDataset().writeVideos(to: root)
      let index = try DatasetIndex(root: root, options: .init(probe: true))
      print(json ? index.summary.json : index.summary.report)
    } catch {
      Console.failure("\(error)")
      throw ExitCode.failure
    }
  }
}
