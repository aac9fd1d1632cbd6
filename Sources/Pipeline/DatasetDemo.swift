import Foundation
import VideoIO

/// A small synthetic dataset of moving shapes, in the classic layout, for `vidi demo` and tests.
///
/// Each class is one motion of a disc over a plain background: `MoveRight` slides it left to
/// right, `MoveDown` top to bottom, `Pulse` grows and shrinks it in place. Position, size,
/// colours and speed vary per clip from a fixed seed, so the dataset is the same on every run.
/// Clips are named like UCF101's (`v_<Class>_g<NN>_c<NN>.avi`), so their groups are recognised:
/// groups up to `trainGroups` go to `train/`, the rest to `test/`.
public enum DemoDataset {
  public static let classes = ["MoveRight", "MoveDown", "Pulse"]

  public struct Options: Sendable {
    public var trainGroups: Int
    public var testGroups: Int
    public var clipsPerGroup: Int
    public var frames: Int
    public var width: Int
    public var height: Int
    public var frameRate: Int

    public init(
      trainGroups: Int = 3, testGroups: Int = 1, clipsPerGroup: Int = 2, frames: Int = 30,
      width: Int = 96, height: Int = 72, frameRate: Int = 10
    ) {
      self.trainGroups = trainGroups
      self.testGroups = testGroups
      self.clipsPerGroup = clipsPerGroup
      self.frames = frames
      self.width = width
      self.height = height
      self.frameRate = frameRate
    }
  }

  /// Writes the dataset under `root` (`root/train/<class>/*.avi`, `root/test/<class>/*.avi`),
  /// replacing clips of the same names, and returns the files written.
  @discardableResult
  public static func generate(at root: URL, options: Options = Options()) throws(VideoError)
    -> [URL]
  {
    var written: [URL] = []
    for (classIndex, label) in classes.enumerated() {
      for group in 1...(options.trainGroups + options.testGroups) {
        let split = group <= options.trainGroups ? "train" : "test"
        let folder = root.appendingPathComponent(split).appendingPathComponent(label)
        do {
          try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
          throw .writeFailed(path: folder.path, reason: "cannot create the folder")
        }
        for clip in 1...options.clipsPerGroup {
          let name = String(format: "v_%@_g%02d_c%02d.avi", label, group, clip)
          let url = folder.appendingPathComponent(name)
          var random = SeededRandom(seed: UInt64(classIndex * 10_000 + group * 100 + clip))
          let scene = Scene(motion: classIndex, options: options, random: &random)
          let writer = try VideoWriter(
            url: url, width: options.width, height: options.height,
            options: .init(codec: .mpeg4, frameRate: options.frameRate))
          for frame in 0..<options.frames {
            try writer.append(scene.render(frame: frame, of: options.frames))
          }
          try writer.finish()
          written.append(url)
        }
      }
    }
    return written
  }

  /// One clip's disc, background and motion.
  private struct Scene {
    let motion: Int
    let width: Int
    let height: Int
    let background: (UInt8, UInt8, UInt8)
    let color: (UInt8, UInt8, UInt8)
    let radius: Double
    /// Fixed coordinate (y for MoveRight, x for MoveDown, both for Pulse centre).
    let anchor: (x: Double, y: Double)
    /// Fraction of the path covered over the clip, or pulse cycles for Pulse.
    let speed: Double

    init(motion: Int, options: Options, random: inout SeededRandom) {
      self.motion = motion
      width = options.width
      height = options.height
      let gray = UInt8(random.next(in: 30...90))
      background = (gray, gray, UInt8(min(255, Int(gray) + 10)))
      color = (
        UInt8(random.next(in: 150...255)), UInt8(random.next(in: 150...255)),
        UInt8(random.next(in: 60...255))
      )
      radius = Double(random.next(in: 7...11)) * Double(options.height) / 72
      anchor = (
        Double(random.next(in: 20...(options.width - 20))),
        Double(random.next(in: 16...(options.height - 16)))
      )
      speed = Double(random.next(in: 70...100)) / 100
    }

    func render(frame: Int, of frames: Int) -> [UInt8] {
      let t = frames > 1 ? Double(frame) / Double(frames - 1) : 0
      var center = anchor
      var r = radius
      switch motion {
      case 0: center.x = radius + t * speed * (Double(width) - 2 * radius)
      case 1: center.y = radius + t * speed * (Double(height) - 2 * radius)
      default: r = radius * (1 + 0.6 * sin(2 * Double.pi * (1 + speed) * t))
      }
      var rgb = [UInt8](repeating: 0, count: width * height * 3)
      for y in 0..<height {
        for x in 0..<width {
          let dx = Double(x) - center.x
          let dy = Double(y) - center.y
          let (red, green, blue) = dx * dx + dy * dy <= r * r ? color : background
          let offset = (y * width + x) * 3
          (rgb[offset], rgb[offset + 1], rgb[offset + 2]) = (red, green, blue)
        }
      }
      return rgb
    }
  }

  /// SplitMix64: a tiny generator whose sequence is fixed by its seed on every platform.
  private struct SeededRandom {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
      state &+= 0x9E37_79B9_7F4A_7C15
      var z = state
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return z ^ (z >> 31)
    }

    mutating func next(in range: ClosedRange<Int>) -> Int {
      range.lowerBound + Int(next() % UInt64(range.count))
    }
  }
}
