import Backbones
import Foundation
import Testing

/// The pretrained checkpoints in Vidi's model cache, where `vidi models fetch` puts them;
/// `make test` fetches them first.
enum TestWeights {
  static func url(_ backbone: BackboneID) throws -> URL {
    let url = ModelStore().checkpointLocation(for: backbone)
    try #require(
      FileManager.default.fileExists(atPath: url.path),
      "\(url.path) is missing: run `vidi models fetch --all` (make test fetches it)")
    return url
  }
}
