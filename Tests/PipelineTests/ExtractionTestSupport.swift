import Backbones
import Demo
import Foundation
import Pipeline
import Testing

/// A tiny rendered dataset (two actions, two train and one test clip each, six frames of
/// 64×48) and an empty feature cache, in a temporary folder removed at deinit. Four frames per
/// clip keep the real EfficientNet-Lite0 fast.
final class ExtractionFixture {
  let folder: URL
  let dataset: URL
  let cache: FeatureCache
  static let options = FeatureOptions(backbone: .efficientnetLite0, frames: 4)
  static let demo = DemoDataset(
    actions: [.wave, .squat], trainClipsPerClass: 2, testClipsPerClass: 1, frameCount: 6,
    width: 64, height: 48, framesPerSecond: 12, seed: 11)

  init() throws {
    folder = FileManager.default.temporaryDirectory
      .appendingPathComponent("vidi-extract-\(UUID().uuidString)")
    dataset = folder.appendingPathComponent("dataset")
    cache = FeatureCache(directory: folder.appendingPathComponent("features"))
    try Self.demo.writeVideos(to: dataset)
  }

  deinit {
    try? FileManager.default.removeItem(at: folder)
  }

  var clipCount: Int { Self.demo.clips.count }

  func index() throws -> DatasetIndex {
    try DatasetIndex(root: dataset)
  }

  func extractor(threads: Int? = nil, cache: FeatureCache? = nil) throws -> FeatureExtractor {
    try FeatureExtractor(
      options: Self.options, cache: cache ?? self.cache, threads: threads,
      checkpoint: TestWeights.lite0())
  }

  /// Every file under the cache folder with its bytes, by relative path.
  func cacheFiles(_ cache: FeatureCache? = nil) throws -> [String: Data] {
    let root = (cache ?? self.cache).directory
    let paths = FileManager.default.enumerator(atPath: root.path)?.allObjects as? [String] ?? []
    var files: [String: Data] = [:]
    for path in paths {
      var isDirectory: ObjCBool = false
      let url = root.appendingPathComponent(path)
      guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory),
        !isDirectory.boolValue
      else { continue }
      files[path] = try Data(contentsOf: url)
    }
    return files
  }

  /// Writes bytes that are not a video at `path` inside the dataset.
  func writeGarbage(_ path: String) throws -> URL {
    let url = dataset.appendingPathComponent(path)
    try Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 7919 >> 3) }).write(to: url)
    return url
  }
}

/// The EfficientNet-Lite0 checkpoint in Vidi's model cache (`make test` fetches it first).
enum TestWeights {
  static func lite0() throws -> URL {
    try url(.efficientnetLite0)
  }

  static func url(_ backbone: BackboneID) throws -> URL {
    let url = ModelStore().checkpointLocation(for: backbone)
    try #require(
      FileManager.default.fileExists(atPath: url.path),
      "\(url.path) is missing: run `\(backbone.fetchCommand)`")
    return url
  }
}
