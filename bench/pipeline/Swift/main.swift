// The Swift side of bench/pipeline: writes the benchmark's dataset of clips and prints Vidi's
// features of a few clips, so that run.sh can check the Python peers compute the same thing.
//
//     vidi-bench-pipeline generate DIR [--clips N] [--seed S] [--threads T]
//     vidi-bench-pipeline features CLIP...      (one JSON object per clip on stdout)
//     vidi-bench-pipeline decode CLIP... [--repeat R] [--seek never|auto|N]
//                                   (one JSON object: the decoding work and a digest of the frames)
//
// Clips look like a small action dataset (UCF101's format): 320×240 MPEG-4 Part 2 AVI at 25 fps,
// 5 to 10 s long, one folder per action. Each renders a demo stick figure (Pipeline's
// DemoRenderer: gradient backdrop, camera shake, sensor noise) over a textured backdrop that
// pans, so the encoder has real motion and texture to code, not flat colour.

import Demo
import Foundation
import Pipeline
import VideoIO

let width = 320
let height = 240
let framesPerSecond = 25

/// SplitMix64: a small deterministic generator, so the same seed always gives the same dataset.
struct Random {
  var state: UInt64

  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  mutating func unit() -> Float { Float(next() >> 40) / Float(1 << 24) }

  mutating func uniform(_ range: ClosedRange<Float>) -> Float {
    range.lowerBound + (range.upperBound - range.lowerBound) * unit()
  }
}

/// A tileable grey texture: two octaves of bilinear value noise on a 512×512 torus, -1...1.
struct Texture {
  static let side = 512
  let values: [Float]

  init(random: inout Random) {
    var values = [Float](repeating: 0, count: Self.side * Self.side)
    for (cell, weight) in [(64, Float(0.6)), (8, Float(0.4))] {
      let cells = Self.side / cell
      let grid = (0..<(cells * cells)).map { _ in 2 * random.unit() - 1 }
      for y in 0..<Self.side {
        let gy = Float(y) / Float(cell)
        let y0 = Int(gy) % cells
        let y1 = (y0 + 1) % cells
        let fy = gy - gy.rounded(.down)
        for x in 0..<Self.side {
          let gx = Float(x) / Float(cell)
          let x0 = Int(gx) % cells
          let x1 = (x0 + 1) % cells
          let fx = gx - gx.rounded(.down)
          let top = grid[y0 * cells + x0] * (1 - fx) + grid[y0 * cells + x1] * fx
          let bottom = grid[y1 * cells + x0] * (1 - fx) + grid[y1 * cells + x1] * fx
          values[y * Self.side + x] += weight * (top * (1 - fy) + bottom * fy)
        }
      }
    }
    self.values = values
  }
}

/// One clip of the dataset and how it is drawn.
struct ClipPlan {
  let action: DemoAction
  let relativePath: String
  let seed: UInt64
  let frameCount: Int

  static func all(count: Int, seed: UInt64) -> [ClipPlan] {
    let actions = DemoAction.allCases
    return (0..<count).map { index in
      var random = Random(state: seed &+ UInt64(index) &* 0xD1B5_4A32_D192_ED03)
      let action = actions[index % actions.count]
      let number = String(format: "%04d", index / actions.count)
      return ClipPlan(
        action: action, relativePath: "\(action.rawValue)/clip_\(number).avi",
        seed: random.next(), frameCount: 125 + Int(random.next() % 126))
    }
  }

  /// Renders the clip and writes it to `url` (atomically: VideoWriter renames at the end).
  func write(to url: URL) throws {
    var random = Random(state: seed)
    var scene = DemoScene(seed: random.next())
    scene.noise *= 0.3
    let texture = Texture(random: &random)
    let amplitude = random.uniform(12...30)
    let tint = SIMD3(random.uniform(0.7...1), random.uniform(0.7...1), random.uniform(0.7...1))
    let pan = SIMD2(random.uniform(-1.5...1.5), random.uniform(-0.4...0.4))
    let frames = DemoRenderer.render(
      action: action, scene: scene, frameCount: frameCount, width: width, height: height)
    let writer = try VideoWriter(
      url: url, width: width, height: height, options: .init(frameRate: framesPerSecond))
    let mask = Texture.side - 1
    for (t, var frame) in frames.enumerated() {
      let dx = Int((pan.x * Float(t)).rounded()) & mask
      let dy = Int((pan.y * Float(t)).rounded()) & mask
      for y in 0..<height {
        let row = ((y + dy) & mask) * Texture.side
        for x in 0..<width {
          let shade = amplitude * texture.values[row + ((x + dx) & mask)]
          let pixel = (y * width + x) * 3
          for channel in 0..<3 {
            let value = Float(frame[pixel + channel]) + shade * tint[channel]
            frame[pixel + channel] = UInt8(max(0, min(255, value.rounded())))
          }
        }
      }
      try writer.append(frame)
    }
    try writer.finish()
  }
}

func generate(_ arguments: ArraySlice<String>) throws {
  var rest = arguments
  guard let path = rest.popFirst() else { throw usage }
  var clips = 200
  var seed: UInt64 = 7
  var threads = ProcessInfo.processInfo.activeProcessorCount
  while let flag = rest.popFirst() {
    guard let value = rest.popFirst() else { throw usage }
    switch flag {
    case "--clips": clips = Int(value) ?? 0
    case "--seed": seed = UInt64(value) ?? 0
    case "--threads": threads = Int(value) ?? 0
    default: throw usage
    }
  }
  guard clips > 0, threads > 0 else { throw usage }
  let root = URL(fileURLWithPath: path)
  let plans = ClipPlan.all(count: clips, seed: seed)
  for action in Set(plans.map(\.action.rawValue)) {
    try FileManager.default.createDirectory(
      at: root.appendingPathComponent(action), withIntermediateDirectories: true)
  }
  let failures = Failures()
  let workers = threads
  DispatchQueue.concurrentPerform(iterations: workers) { worker in
    for index in stride(from: worker, to: plans.count, by: workers) {
      let url = root.appendingPathComponent(plans[index].relativePath)
      do {
        try plans[index].write(to: url)
      } catch {
        failures.add("\(url.path): \(error)")
      }
    }
  }
  if let failure = failures.first { throw Failure(message: failure) }
  let frames = plans.map(\.frameCount).reduce(0, +)
  FileHandle.standardError.write(
    Data("wrote \(clips) clips, \(frames) frames, to \(root.path)\n".utf8))
}

/// Errors from the generator's worker threads.
final class Failures: @unchecked Sendable {
  private let lock = NSLock()
  private var messages: [String] = []

  func add(_ message: String) { lock.withLock { messages.append(message) } }
  var first: String? { lock.withLock { messages.first } }
}

func printFeatures(_ paths: ArraySlice<String>) throws {
  guard !paths.isEmpty else { throw usage }
  let extractor = try FeatureExtractor(options: FeatureOptions(), cache: nil)
  for path in paths {
    let features = try extractor.features(
      ofVideoAt: URL(fileURLWithPath: path), useCache: false)[.original]!
    let rows = (0..<features.frameCount).filter { features.mask[$0] }.map {
      Array(features.row($0))
    }
    let object: [String: Any] = [
      "path": path, "frame_indices": features.frameIndices, "features": rows,
    ]
    let data = try JSONSerialization.data(withJSONObject: object)
    print(String(decoding: data, as: UTF8.self))
  }
}

/// Decodes each clip as `vidi extract` does (uniform 20, 224 × 224) and prints one JSON object:
/// processor seconds, frames decoded, seeks, and an FNV-1a digest of every sampled frame's
/// values and indices, so a change to the decoding path can show it keeps the frames bit for bit.
/// `--seek never` gives the reference digest (every frame decoded from the start); `--seek N`
/// seeks whenever that skips more than N frames (0: as often as the keyframes allow).
func decode(_ arguments: ArraySlice<String>) throws {
  var paths: [String] = []
  var repeats = 1
  var seeking = VideoReader.Seeking.automatic
  var rest = arguments
  while let argument = rest.popFirst() {
    if argument == "--repeat" {
      guard let value = rest.popFirst().flatMap({ Int($0) }), value > 0 else { throw usage }
      repeats = value
    } else if argument == "--seek" {
      switch rest.popFirst() {
      case "never": seeking = .never
      case "auto": seeking = .automatic
      case let value?:
        guard let frames = Int(value), frames >= 0 else { throw usage }
        seeking = .beyond(frames: frames)
      case nil: throw usage
      }
    } else {
      paths.append(argument)
    }
  }
  guard !paths.isEmpty else { throw usage }
  var digest: UInt64 = 0xcbf2_9ce4_8422_2325
  func mix(_ value: UInt64) {
    digest = (digest ^ value) &* 0x100_0000_01b3
  }
  var decoded = 0
  var seeks = 0
  var kept = 0
  var batch = FrameBatch(size: 224, reservingFrames: 20)
  let start = processorSeconds()
  for round in 0..<repeats {
    for path in paths {
      try VideoReader(url: URL(fileURLWithPath: path), seeking: seeking).read(
        .default, size: 224, bestEffort: true, into: &batch)
      guard round == 0 else { continue }
      decoded += batch.statistics.decodedFrames
      seeks += batch.statistics.seeks
      kept += batch.count
      batch.frameIndices.forEach { mix(UInt64($0)) }
      batch.pixels.forEach { mix(UInt64($0.bitPattern)) }
    }
  }
  let seconds = (processorSeconds() - start) / Double(repeats)
  let object: [String: Any] = [
    "clips": paths.count, "frames_kept": kept, "frames_decoded": decoded, "seeks": seeks,
    "cpu_seconds": seconds, "digest": String(digest, radix: 16),
  ]
  let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
  print(String(decoding: data, as: UTF8.self))
}

func processorSeconds() -> Double {
  var time = timespec()
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
  return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
}

struct Failure: Error, CustomStringConvertible {
  var message: String
  var description: String { message }
}

let usage = Failure(
  message: """
    usage: vidi-bench-pipeline generate DIR [--clips N] [--seed S] [--threads T]
           vidi-bench-pipeline features CLIP...
           vidi-bench-pipeline decode CLIP... [--repeat R] [--seek never|auto|N]
    """)

do {
  let arguments = CommandLine.arguments.dropFirst()
  switch arguments.first {
  case "generate": try generate(arguments.dropFirst())
  case "features": try printFeatures(arguments.dropFirst())
  case "decode": try decode(arguments.dropFirst())
  default: throw usage
  }
} catch {
  FileHandle.standardError.write(Data("vidi-bench-pipeline: \(error)\n".utf8))
  exit(1)
}
