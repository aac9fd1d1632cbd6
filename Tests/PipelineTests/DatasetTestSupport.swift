import Foundation
import Pipeline
import VideoIO

/// A temporary dataset folder, removed at deinit, with helpers to lay files out in it.
final class DatasetFolder {
  let root: URL
  private let clipSource: URL

  init() throws {
    root = FileManager.default.temporaryDirectory
      .appendingPathComponent("vidi-dataset-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    // One tiny real clip, copied wherever a test needs a video.
    clipSource = FileManager.default.temporaryDirectory
      .appendingPathComponent("vidi-clip-\(UUID().uuidString).avi")
    let writer = try VideoWriter(url: clipSource, width: 32, height: 24)
    for level in 0..<8 {
      try writer.append([UInt8](repeating: UInt8(40 + 20 * level), count: 32 * 24 * 3))
    }
    try writer.finish()
  }

  deinit {
    try? FileManager.default.removeItem(at: root)
    try? FileManager.default.removeItem(at: clipSource)
  }

  func url(_ path: String) -> URL { root.appendingPathComponent(path) }

  /// A real clip at `path`.
  func clip(_ path: String) throws {
    let url = url(path)
    try FileManager.default.createDirectory(
      at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    try FileManager.default.copyItem(at: clipSource, to: url)
  }

  /// A file with `text` at `path`.
  func file(_ path: String, _ text: String = "") throws {
    let url = url(path)
    try FileManager.default.createDirectory(
      at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    try Data(text.utf8).write(to: url)
  }

  func folder(_ path: String) throws {
    try FileManager.default.createDirectory(at: url(path), withIntermediateDirectories: true)
  }
}
