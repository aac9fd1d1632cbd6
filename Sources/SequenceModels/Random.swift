import Foundation

/// SplitMix64: a small, fast, seedable generator, so that shuffles, initial weights and dropout
/// masks are the same on every platform for a given seed (the standard library's generator is
/// not seedable).
public struct SeededGenerator: RandomNumberGenerator, Sendable {
  private var state: UInt64

  public init(seed: UInt64) { state = seed }

  /// A generator for one purpose (`stream`) derived from a base seed, independent of the others.
  public init(seed: UInt64, stream: UInt64...) {
    var mixed = SeededGenerator(seed: seed)
    var value = mixed.next()
    for part in stream {
      mixed = SeededGenerator(seed: value ^ (part &* 0x9E37_79B9_7F4A_7C15))
      value = mixed.next()
    }
    state = value
  }

  public mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// Uniform in [0, 1) with 24 bits of precision.
  mutating func nextUnitFloat() -> Float {
    Float(next() >> 40) * (1.0 / 16_777_216.0)
  }

  /// Standard normal (Box–Muller).
  mutating func nextGaussian() -> Double {
    let u1 = Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
    let u2 = Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
    return (-2 * log(1 - u1)).squareRoot() * cos(2 * Double.pi * u2)
  }
}
