/// VidiCLI: the `vidi` command.
///
/// One subcommand a file; each parses its options and calls into `Pipeline`, so everything the
/// command line does is also available to Swift code.

import ArgumentParser
import NumericCore
import Pipeline
import VideoIO

@main
struct Vidi: AsyncParsableCommand {
  static let version = "0.1.0"

  static let configuration = CommandConfiguration(
    commandName: "vidi",
    abstract: "Video classification and human activity recognition on a plain CPU.",
    discussion: """
      A folder of labelled videos (DATASET/train/<class>/*.avi, DATASET/test/<class>/...) becomes \
      a classifier: frames are sampled and encoded by a pretrained CNN, and a recurrent model \
      classifies the sequence of frame features.
      """,
    version: "vidi \(version) (FFmpeg "
      + FFmpegLibraries.versions.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
      .joined(separator: ", ") + ")",
    subcommands: [
      Index.self, Extract.self, Train.self, Evaluate.self, Predict.self, Watch.self, Serve.self,
      Demo.self, Models.self,
    ])

  /// Answers a mistyped subcommand with the nearest one before the parser calls it an
  /// unexpected argument.
  static func main() async {
    BLAS.stopIdleWorkers()
    let arguments = Array(CommandLine.arguments.dropFirst())
    if let message = CommandSuggestion.unknownSubcommand(arguments, root: Self.self) {
      Console.failure(message)
      Self.exit(withError: ExitCode.validationFailure)
    }
    await main(nil)
  }
}
