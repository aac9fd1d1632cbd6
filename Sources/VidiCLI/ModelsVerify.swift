import ArgumentParser
import Backbones
import Pipeline

/// `vidi models verify`: re-hashes cached checkpoints against their pinned digests.
struct ModelsVerify: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "verify",
    abstract: "Re-check the cached checkpoints' sizes and SHA-256 digests.",
    discussion: """
      Without ids, checks every backbone with a file in the cache (the default one when none has). \
      Exits non-zero when a checkpoint is missing or differs from its pinned digest.

      Examples:
        vidi models verify
        vidi models verify efficientnet-lite0 --json
      """)

  @Argument(help: "Backbones to verify.")
  var backbones: [BackboneID] = []

  @Flag(help: "Print JSON instead of text.")
  var json = false

  func run() throws {
    let store = ModelStore()
    let results: [Result] = store.selection(backbones).map { id in
      do {
        return Result(backbone: id.rawValue, path: try store.verify(id).path, error: nil)
      } catch {
        return Result(
          backbone: id.rawValue, path: store.checkpointLocation(for: id).path,
          error: "\(error)")
      }
    }
    if json {
      print(try PrettyJSON.string(["results": results]))
    } else {
      for result in results {
        if let error = result.error {
          Console.failure(error)
        } else {
          print("\(result.backbone): ok \(result.path)")
        }
      }
    }
    if results.contains(where: { $0.error != nil }) { throw ExitCode.failure }
  }

  private struct Result: Encodable {
    var backbone: String
    var path: String
    var error: String?

    var ok: Bool { error == nil }

    private enum CodingKeys: String, CodingKey { case backbone, path, ok, error }

    /// Written out so that `ok` is included and a passing entry shows `"error": null`.
    func encode(to encoder: any Encoder) throws {
      var container = encoder.container(keyedBy: CodingKeys.self)
      try container.encode(backbone, forKey: .backbone)
      try container.encode(path, forKey: .path)
      try container.encode(ok, forKey: .ok)
      try container.encode(error, forKey: .error)
    }
  }
}
