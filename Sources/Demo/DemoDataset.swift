import Foundation
import Pipeline

/// A synthetic human-activity dataset: rendered clips of every demo action, written as
/// `DIR/train/<action>/clip_000.avi` and `DIR/test/<action>/...`. The same settings always give
/// the same clips.
public struct DemoDataset: Sendable {
  public var actions: [DemoAction]
  public var trainClipsPerClass: Int
  public var testClipsPerClass: Int
  public var frameCount: Int
  public var width: Int
  public var height: Int
  public var framesPerSecond: Int
  public var seed: UInt64

  public init(
    actions: [DemoAction] = DemoAction.allCases, trainClipsPerClass: Int = 24,
    testClipsPerClass: Int = 8, frameCount: Int = 40, width: Int = 160, height: Int = 120,
    framesPerSecond: Int = 15, seed: UInt64 = 5
  ) {
    self.actions = actions
    self.trainClipsPerClass = trainClipsPerClass
    self.testClipsPerClass = testClipsPerClass
    self.frameCount = frameCount
    self.width = width
    self.height = height
    self.framesPerSecond = framesPerSecond
    self.seed = seed
  }

  /// Encodes one clip: destination, RGB24 frames, width, height, frames per second.
  public typealias ClipWriter = (URL, [[UInt8]], Int, Int, Int) throws -> Void

  /// One clip of the dataset.
  public struct Clip: Equatable, Sendable {
    /// "train" or "test".
    public var split: String
    public var action: DemoAction
    /// Its path relative to the dataset folder, e.g. `train/wave/clip_003.avi`.
    public var relativePath: String
    /// The seed of its scene.
    public var seed: UInt64
  }

  /// Every clip of the dataset, train split first, in class order.
  public var clips: [Clip] {
    [("train", trainClipsPerClass), ("test", testClipsPerClass)].flatMap { split, count in
      actions.flatMap { action in
        (0..<count).map { index in
          Clip(
            split: split, action: action,
            relativePath: "\(split)/\(action.rawValue)/clip_\(Self.number(index)).avi",
            seed: DemoRandom.mix(
              seed, DemoRandom.stableHash(split), DemoRandom.stableHash(action.rawValue),
              UInt64(index)))
        }
      }
    }
  }

  /// The frames of `clip`.
  public func frames(of clip: Clip) -> [[UInt8]] {
    DemoRenderer.render(
      action: clip.action, seed: clip.seed, frameCount: frameCount, width: width, height: height)
  }

  /// Renders every clip and hands it to `writer`, which writes a hidden temporary file in the
  /// clip's folder that is then renamed into place, so an interrupted run leaves no partial
  /// clip. Returns the clips written.
  @discardableResult
  public func write(to directory: URL, using writer: ClipWriter) throws -> [Clip] {
    let clips = clips
    for clip in clips {
      let destination = directory.appendingPathComponent(clip.relativePath)
      let folder = destination.deletingLastPathComponent()
      do {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
      } catch {
        throw DemoDatasetError(url: folder, reason: FeatureCacheError.describe(error))
      }
      let temporary = folder.appendingPathComponent(
        ".\(destination.deletingPathExtension().lastPathComponent).\(UUID().uuidString).avi")
      do {
        try writer(temporary, frames(of: clip), width, height, framesPerSecond)
        guard rename(temporary.path, destination.path) == 0 else {
          throw DemoDatasetError(url: destination, reason: String(cString: strerror(errno)))
        }
      } catch {
        try? FileManager.default.removeItem(at: temporary)
        throw error
      }
    }
    return clips
  }

  private static func number(_ index: Int) -> String {
    let digits = String(index)
    return String(repeating: "0", count: max(0, 3 - digits.count)) + digits
  }
}

/// A demo clip or folder that could not be written.
public struct DemoDatasetError: Error, CustomStringConvertible {
  public var url: URL
  public var reason: String

  public var description: String { "\(url.path): cannot write demo clip: \(reason)" }
}
