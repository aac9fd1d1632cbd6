import Backbones
import Testing

extension Tag {
  /// Brief in-process versions of bench/fuzz: many mutants, each must end in an answer or an
  /// error (a crash ends the test run).
  @Tag static var fuzz: Self
}

@Suite(.tags(.fuzz)) struct CheckpointFuzzTests {
  /// SplitMix64, so every run makes the same mutants.
  struct Random {
    var state: UInt64
    mutating func next() -> UInt64 {
      state &+= 0x9E37_79B9_7F4A_7C15
      var z = state
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return z ^ (z >> 31)
    }
    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(max(bound, 1))) }
  }

  static let extremes: [Int64] = [0, -1, 1 << 31, 1 << 32, 1 << 62, Int64.max, Int64.min]

  /// Random bytes, a cut, or a pickle integer (BININT1/BININT) made an extreme LONG1.
  static func mutant(_ bytes: [UInt8], _ random: inout Random) -> [UInt8] {
    var result = bytes
    switch random.below(3) {
    case 0:
      for _ in 0..<(1 + random.below(8)) {
        result[random.below(result.count)] = UInt8(truncatingIfNeeded: random.next())
      }
    case 1:
      result.removeSubrange(random.below(result.count)...)
    default:
      let start = random.below(result.count)
      guard let at = result[start...].firstIndex(where: { $0 == 0x4B || $0 == 0x4A }) else {
        return result
      }
      let width = result[at] == 0x4B ? 1 : 4
      guard at + 1 + width <= result.count else { return result }
      let value = UInt64(bitPattern: extremes[random.below(extremes.count)])
      result.replaceSubrange(
        at..<(at + 1 + width),
        with: [0x8A, 8] + (0..<8).map { UInt8(truncatingIfNeeded: value >> (8 * UInt64($0))) })
    }
    return result
  }

  @Test func mutatedCheckpointsAreReadOrRefused() throws {
    let legacy = CheckpointReaderTests.sample.file
    let zipped = try ZipCheckpointTests.zipFile(CheckpointReaderTests.sample)
    var random = Random(state: 42)
    var read = 0
    var refused = 0
    for index in 0..<600 {
      let bytes = Self.mutant(index.isMultiple(of: 4) ? zipped : legacy, &random)
      do {
        _ = try TorchCheckpoint.load(bytes: bytes, source: "mutant-\(index).pt")
        read += 1
      } catch {
        #expect(error.description.hasPrefix("mutant-\(index).pt: "))
        #expect(!error.description.contains("\n"))
        refused += 1
      }
    }
    #expect(read + refused == 600)
    #expect(read > 0 && refused > 0)
  }
}
