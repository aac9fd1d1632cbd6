/// SplitMix64: a small deterministic generator, so a seed always gives the same mutants.
struct Random {
  var state: UInt64

  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// 0..<bound.
  mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(max(bound, 1))) }

  mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }
}

/// The ways a file is damaged. Most target `focus` (the bytes that describe the rest: a video's
/// headers, a checkpoint's pickle, a safetensors header), where damage reaches parsing code.
enum Mutation: String, CaseIterable {
  /// A few bytes set to random values.
  case flips
  /// The file cut short.
  case truncation
  /// A run of bytes copied from elsewhere in the file, over the bytes at another place.
  case splice
  /// An extreme integer (0, -1, 2³¹, 2³², 2⁶², Int.max...) written over eight bytes.
  case extremeInteger
  /// A pickle's small integer (BININT1/BININT2/BININT) replaced by an extreme LONG1, the way
  /// a crafted checkpoint states a shape (2³², 2³²) or a stride of 2⁶².
  case pickleInteger
  /// A number in JSON text (config.json, a safetensors header) replaced by an extreme one.
  case jsonNumber

  static let extremes: [Int64] = [
    0, -1, -3, 1, 2, 255, 65_536, 100_000, 1 << 31, 1 << 32, (1 << 32) + 1, 1 << 40, 1 << 62,
    Int64.max, Int64.min,
  ]

  static let jsonExtremes = [
    "0", "-1", "-3", "-5", "1", "2", "100000", "1000000", "1099511627776", "4611686018427387904",
    "9223372036854775807", "1e6", "1e308", "-1e308", "0.0", "NaN", "\"x\"", "null", "[]", "{}",
  ]
}

/// Applies mutations to file contents.
struct Mutator {
  var random: Random

  /// `bytes` with one or two mutations of the kinds allowed. `focus` is the range most
  /// mutations land in.
  mutating func mutate(_ bytes: [UInt8], focus: Range<Int>, allowed: [Mutation]) -> [UInt8] {
    var result = bytes
    for _ in 0..<(1 + random.below(2)) {
      let mutation = random.pick(allowed)
      let region = random.below(4) == 0 || focus.isEmpty ? 0..<result.count : clamp(focus, result)
      apply(mutation, to: &result, in: region)
    }
    return result
  }

  private func clamp(_ range: Range<Int>, _ bytes: [UInt8]) -> Range<Int> {
    min(range.lowerBound, bytes.count)..<min(range.upperBound, bytes.count)
  }

  private mutating func apply(_ mutation: Mutation, to bytes: inout [UInt8], in region: Range<Int>)
  {
    guard !bytes.isEmpty, !region.isEmpty else { return }
    switch mutation {
    case .flips:
      for _ in 0..<(1 + random.below(16)) {
        bytes[region.lowerBound + random.below(region.count)] = UInt8(
          truncatingIfNeeded: random.next())
      }
    case .truncation:
      bytes.removeSubrange((region.lowerBound + random.below(region.count))...)
    case .splice:
      let length = 1 + random.below(min(256, bytes.count))
      let from = random.below(bytes.count - length + 1)
      let to = region.lowerBound + random.below(region.count)
      let chunk = Array(bytes[from..<(from + length)])
      let end = min(to + length, bytes.count)
      bytes.replaceSubrange(to..<end, with: chunk.prefix(end - to))
    case .extremeInteger:
      let at = region.lowerBound + random.below(region.count)
      let value = UInt64(bitPattern: random.pick(Mutation.extremes))
      for k in 0..<8 where at + k < bytes.count {
        bytes[at + k] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(k)))
      }
    case .pickleInteger:
      replacePickleInteger(in: &bytes, region: region)
    case .jsonNumber:
      replaceJSONNumber(in: &bytes, region: region)
    }
  }

  /// Finds a BININT1 (K), BININT2 (M) or BININT (J) opcode from a random start in `region`
  /// and replaces it and its operand by LONG1 with eight bytes of an extreme value. The pickle
  /// grows by a few bytes, which a sequential reader does not mind.
  private mutating func replacePickleInteger(in bytes: inout [UInt8], region: Range<Int>) {
    let operandSizes: [UInt8: Int] = [0x4B: 1, 0x4D: 2, 0x4A: 4]
    let start = region.lowerBound + random.below(region.count)
    guard
      let at = bytes[start..<region.upperBound].firstIndex(where: { operandSizes[$0] != nil })
        ?? bytes[region.lowerBound..<start].firstIndex(where: { operandSizes[$0] != nil }),
      at + 1 + operandSizes[bytes[at]]! <= bytes.count
    else { return }
    let value = UInt64(bitPattern: random.pick(Mutation.extremes))
    let long = [0x8A, 8] + (0..<8).map { UInt8(truncatingIfNeeded: value >> (8 * UInt64($0))) }
    bytes.replaceSubrange(at..<(at + 1 + operandSizes[bytes[at]]!), with: long)
  }

  /// Replaces the digits of a random number in JSON text within `region`.
  private mutating func replaceJSONNumber(in bytes: inout [UInt8], region: Range<Int>) {
    func isNumberByte(_ byte: UInt8) -> Bool {
      (0x30...0x39).contains(byte) || byte == 0x2D || byte == 0x2E || byte == 0x65 || byte == 0x45
    }
    let starts = region.filter {
      (0x30...0x39).contains(bytes[$0]) || bytes[$0] == 0x2D
    }.filter { $0 == 0 || !isNumberByte(bytes[$0 - 1]) }
    guard !starts.isEmpty else { return }
    let start = random.pick(starts)
    var end = start
    while end < bytes.count, isNumberByte(bytes[end]) { end += 1 }
    bytes.replaceSubrange(start..<end, with: Array(random.pick(Mutation.jsonExtremes).utf8))
  }
}
