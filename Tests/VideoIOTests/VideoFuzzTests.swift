import Foundation
import Testing
import VideoIO

extension Tag {
  /// Brief in-process versions of bench/fuzz: many mutants, each must end in frames or a
  /// `VideoError` (a crash ends the test run).
  @Tag static var fuzz: Self
}

@Suite(.tags(.fuzz)) struct VideoFuzzTests {
  /// Random bytes (mostly in the headers), a cut, or a splice of the file into itself.
  static func mutant(_ bytes: [UInt8], _ random: inout SplitMix) -> [UInt8] {
    var result = bytes
    func below(_ bound: Int) -> Int { Int(random.next() % UInt64(max(bound, 1))) }
    switch below(3) {
    case 0:
      let region = below(2) == 0 ? min(result.count, 2048) : result.count
      for _ in 0..<(1 + below(12)) {
        result[below(region)] = UInt8(truncatingIfNeeded: random.next())
      }
    case 1:
      result.removeSubrange(below(result.count)...)
    default:
      let length = 1 + below(200)
      let from = below(result.count - length)
      let to = below(result.count - length)
      result.replaceSubrange(to..<(to + length), with: bytes[from..<(from + length)])
    }
    return result
  }

  @Test func mutatedClipsDecodeOrFailWithAReason() throws {
    let scratch = try Scratch()
    var seeds = [try scratch.indexedClip("seed.avi", frames: 24)]
    if VideoWriter.Codec.h264.isAvailable {
      seeds.append(try scratch.indexedClip("seed.mp4", frames: 24, options: .init(codec: .h264)))
    }
    var random = SplitMix(seed: 9)
    var decoded = 0
    var refused = 0
    for index in 0..<(60 * seeds.count) {
      let seed = seeds[index % seeds.count]
      let bytes = Self.mutant([UInt8](try Data(contentsOf: seed)), &random)
      let url = try scratch.file("mutant-\(index).\(seed.pathExtension)", bytes)
      do {
        _ = try VideoReader.read(url, sampling: .uniform(8), size: 32, bestEffort: true)
        decoded += 1
      } catch {
        #expect(error.description.hasPrefix(url.path), "\(error)")
        #expect(!error.description.contains("\n"))
        refused += 1
      }
      try FileManager.default.removeItem(at: url)
    }
    #expect(decoded > 0 && refused > 0)
  }
}
