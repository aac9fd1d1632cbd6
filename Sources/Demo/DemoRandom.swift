/// SplitMix64: a tiny seeded generator whose output is fixed by its own code, so a demo clip is
/// the same on every platform and Swift version (the standard library's `random(in:using:)`
/// promises no particular algorithm).
struct DemoRandom {
  private var state: UInt64

  init(seed: UInt64) {
    state = seed
  }

  mutating func next() -> UInt64 {
    state &+= 0x9e37_79b9_7f4a_7c15
    var z = state
    z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
    z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
    return z ^ (z >> 31)
  }

  /// Uniform in `[0, 1)`.
  mutating func unit() -> Float {
    Float(next() >> 40) * 0x1p-24
  }

  /// Uniform in `range`.
  mutating func uniform(_ range: ClosedRange<Float>) -> Float {
    range.lowerBound + (range.upperBound - range.lowerBound) * unit()
  }

  mutating func coin() -> Bool {
    next() >> 63 == 1
  }

  /// A seed derived from `seed` and `parts`, so related clips get unrelated streams.
  static func mix(_ seed: UInt64, _ parts: UInt64...) -> UInt64 {
    var generator = DemoRandom(seed: seed)
    var result = generator.next()
    for part in parts {
      generator = DemoRandom(seed: result ^ part)
      result = generator.next()
    }
    return result
  }

  /// FNV-1a of a string: a stable number for a name (Swift's `Hasher` is seeded per process).
  static func stableHash(_ text: String) -> UInt64 {
    text.utf8.reduce(0xcbf2_9ce4_8422_2325) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 }
  }
}
