import Backbones
import Foundation
import Pipeline
import SequenceModels
import VideoIO

/// A well-formed input the mutants start from.
struct Seed {
  enum Content {
    /// One file.
    case file([UInt8], ext: String)
    /// A model folder: relative paths and contents.
    case folder([String: [UInt8]])
  }

  /// The row of the report it counts in, e.g. "video AVI/MPEG-4".
  let label: String
  /// What the child does with it: video, checkpoint or model.
  let kind: String
  let content: Content
  /// Where most mutations land (see `Mutator.mutate`).
  let focus: Range<Int>
  /// The backbone a checkpoint belongs to.
  var backbone: String?
}

enum Seeds {
  /// Three short clips, one per container and codec: MPEG-4 Part 2 in AVI and H.264 in MP4
  /// (Vidi's own writer), VP8 in Matroska (the ffmpeg tool; skipped when it is missing).
  static func videos(in folder: URL) throws -> [Seed] {
    var seeds: [Seed] = []
    let avi = try clip(folder.appendingPathComponent("seed.avi"), codec: .mpeg4)
    seeds.append(
      Seed(
        label: "video AVI/MPEG-4", kind: "video", content: .file(avi, ext: "avi"), focus: 0..<4096))
    if VideoWriter.Codec.h264.isAvailable {
      let mp4 = try clip(folder.appendingPathComponent("seed.mp4"), codec: .h264)
      // The writer puts the index (moov) at the end.
      let moov = find(Array("moov".utf8), in: mp4) ?? 0
      seeds.append(
        Seed(
          label: "video MP4/H.264", kind: "video", content: .file(mp4, ext: "mp4"),
          focus: max(0, moov - 8)..<mp4.count))
    } else {
      print("no H.264 encoder: MP4/H.264 skipped")
    }
    let mkv = folder.appendingPathComponent("seed.mkv")
    if ffmpeg([
      "-f", "lavfi", "-i", "testsrc=size=96x64:rate=25", "-t", "1.6", "-c:v", "libvpx", "-g", "12",
      mkv.path,
    ]) {
      let bytes = [UInt8](try Data(contentsOf: mkv))
      seeds.append(
        Seed(
          label: "video MKV/VP8", kind: "video", content: .file(bytes, ext: "mkv"), focus: 0..<4096)
      )
    } else {
      print("no ffmpeg with libvpx: MKV/VP8 skipped")
    }
    return seeds
  }

  /// 40 frames of 96×64 moving colour bands.
  static func clip(_ url: URL, codec: VideoWriter.Codec) throws -> [UInt8] {
    let writer = try VideoWriter(url: url, width: 96, height: 64, options: .init(codec: codec))
    for frame in 0..<40 {
      var pixels = [UInt8](repeating: 0, count: 96 * 64 * 3)
      for y in 0..<64 {
        for x in 0..<96 {
          let offset = (y * 96 + x) * 3
          pixels[offset] = UInt8((x * 3 + frame * 9) & 255)
          pixels[offset + 1] = UInt8((y * 4 + frame * 5) & 255)
          pixels[offset + 2] = UInt8(((x + y) * 2) & 255)
        }
      }
      try writer.append(pixels)
    }
    try writer.finish()
    return [UInt8](try Data(contentsOf: url))
  }

  /// Both backbones' published checkpoints from Vidi's model store (`vidi models fetch --all`).
  /// Both are PyTorch's legacy format: pickles, then raw storages. Mutations aim at the pickles.
  static func checkpoints() throws -> [Seed] {
    let store = ModelStore()
    return try BackboneID.allCases.map { id in
      let url = try store.checkpointURL(for: id)
      let bytes = [UInt8](try Data(contentsOf: url))
      return Seed(
        label: "checkpoint \(id.rawValue)", kind: "checkpoint",
        content: .file(bytes, ext: url.pathExtension), focus: 0..<pickleEnd(bytes),
        backbone: id.rawValue)
    }
  }

  /// Where a legacy checkpoint's pickles end: after the storage-key list, the last pickle,
  /// which is an EMPTY_LIST filled by APPENDS and ends "e.".
  static func pickleEnd(_ bytes: [UInt8]) -> Int {
    let head = Array(bytes.prefix(1 << 20))
    var listStart = 0
    var index = 0
    while let found = find([0x80, 0x02, 0x5D], in: head, from: index) {
      listStart = found
      index = found + 1
    }
    return find([0x65, 0x2E], in: head, from: listStart).map { $0 + 2 } ?? min(bytes.count, 65_536)
  }

  /// Two tiny trained models: a frame average and a GRU with its per-frame classifier, on
  /// random EfficientNet-Lite0 features.
  static func models(in folder: URL) throws -> [Seed] {
    let options = FeatureOptions(backbone: .efficientnetLite0, frames: 8)
    let dimension = BackboneID.efficientnetLite0.spec.featureDimension
    var random = Random(state: 11)
    let classes = ["jump", "run", "wave"]
    let clips = classes.flatMap { label in
      (0..<4).map { index in
        ClipFeatures(
          path: "\(label)/\(index).avi", label: label, frameCount: options.frames,
          dimension: dimension,
          values: (0..<(options.frames * dimension)).map { _ in Float(random.below(2000)) / 1000 - 1
          },
          length: options.frames, frameIndices: Array(0..<options.frames))
      }
    }
    return try [ModelKind.frameAverage, .gru].map { kind in
      let url = folder.appendingPathComponent("seed-\(kind.rawValue).vidi")
      let set = try TrainingSet(clips: clips, validationFraction: 0, seed: 1)
      let model = try TrainingWorkflow.train(
        set, provenance: options.provenance,
        options: TrainingOptions(
          model: .model(kind), epochs: 1, validationFraction: 0, seed: 1, threads: 1))
      try model.save(to: url)
      var files: [String: [UInt8]] = [:]
      let enumerator = FileManager.default.enumerator(at: url, includingPropertiesForKeys: nil)
      while let file = enumerator?.nextObject() as? URL {
        guard !file.hasDirectoryPath else { continue }
        let relative = String(
          file.standardizedFileURL.path.dropFirst(url.standardizedFileURL.path.count + 1))
        files[relative] = [UInt8](try Data(contentsOf: file))
      }
      return Seed(
        label: "model \(kind.rawValue)", kind: "model", content: .folder(files), focus: 0..<0)
    }
  }

  static func find(_ needle: [UInt8], in bytes: [UInt8], from start: Int = 0) -> Int? {
    guard needle.count <= bytes.count, start <= bytes.count - needle.count else { return nil }
    for index in start...(bytes.count - needle.count)
    where bytes[index] == needle[0] && bytes[index..<(index + needle.count)].elementsEqual(needle) {
      return index
    }
    return nil
  }

  /// Runs the ffmpeg tool quietly; false when it is missing or fails.
  static func ffmpeg(_ arguments: [String]) -> Bool {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["ffmpeg", "-v", "error", "-nostdin", "-y"] + arguments
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    guard (try? process.run()) != nil else { return false }
    process.waitUntilExit()
    return process.terminationStatus == 0
  }
}
