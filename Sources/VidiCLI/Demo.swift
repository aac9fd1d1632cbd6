import ArgumentParser
import Demo
import Foundation
import Pipeline

struct Demo: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Show the method end to end on an embedded activity dataset where order matters.",
    discussion: """
      Renders a stick figure performing eight actions into real video files (train/ and test/ \
      class folders), two pairs of which hold the same poses in opposite order: sit-down / \
      stand-up and raise-arms / lower-arms. Then indexes them, extracts \
      features with the pretrained backbone, trains a GRU over the frame sequence and the \
      frame-averaging baseline, evaluates both on the test split and predicts one test clip. \
      The table shows why the order of frames matters: averaging frames cannot tell the \
      reversed pairs apart. A second run reuses the cached features.

      Example: vidi demo --dir /tmp/vidi-demo
      """)

  @Option(
    help:
      "Folder for the dataset, feature cache and models (default: vidi-demo in the temporary folder)."
  )
  var dir: String?

  @Option(help: "Cores to use (default: all).")
  var threads: Int?

  @Flag(help: "Print the results as JSON (progress goes to standard error).")
  var json = false

  func validate() throws {
    if let threads, threads < 1 { throw ValidationError("--threads must be at least 1.") }
  }

  func run() throws {
    let folder =
      dir.map { URL(fileURLWithPath: $0) }
      ?? FileManager.default.temporaryDirectory.appendingPathComponent("vidi-demo")
    var demo = DemoRun(directory: folder)
    demo.threads = threads
    var display = ProgressDisplay()
    do {
      let result = try demo.run(log: say) { display.update($0) }
      if json {
        print(try PrettyJSON.string(result))
      } else {
        print("")
        print(DemoRun.table(result.results))
        print("")
        print("Prediction for \(result.prediction.video) (\(result.results[0].model)):")
        print(result.prediction.text)
        print("")
        print("Models: " + result.results.map(\.path).joined(separator: ", "))
      }
    } catch {
      Console.failure("\(error)")
      throw ExitCode.failure
    }
  }

  private func say(_ line: String) {
    if json {
      FileHandle.standardError.write(Data((line + "\n").utf8))
    } else {
      Console.line(line)
    }
  }
}
