/// IEEE 754 binary16 conversion done on bit patterns, so it works where Swift's `Float16` is
/// unavailable (Intel macOS). The feature cache stores features in this format to halve its size.
public enum HalfFloat {
  /// The binary16 bit pattern nearest to `value`, ties to even; overflow gives infinity and NaN
  /// stays NaN.
  public static func bits(from value: Float) -> UInt16 {
    let x = value.bitPattern
    let sign = UInt16(truncatingIfNeeded: (x >> 16) & 0x8000)
    let exponent = Int((x >> 23) & 0xff)
    let mantissa = x & 0x7f_ffff
    if exponent == 0xff {
      let payload = UInt16(truncatingIfNeeded: mantissa >> 13)
      return sign | 0x7c00 | (mantissa == 0 ? 0 : 0x0200 | payload)
    }
    let halfExponent = exponent - 127 + 15
    if halfExponent >= 31 { return sign | 0x7c00 }
    if halfExponent <= 0 {
      // Subnormal result (or zero): shift the significand, implicit bit included, into place.
      guard halfExponent >= -10 else { return sign }
      let significand = mantissa | 0x80_0000
      let shift = UInt32(14 - halfExponent)
      return sign | UInt16(truncatingIfNeeded: roundShifted(significand, by: shift))
    }
    // A carry out of the mantissa correctly bumps the exponent, up to infinity.
    let unrounded = UInt32(halfExponent) << 23 | mantissa
    return sign | UInt16(truncatingIfNeeded: roundShifted(unrounded, by: 13))
  }

  /// The `Float` a binary16 bit pattern stands for (exact: every binary16 value is a `Float`).
  public static func float(fromBits bits: UInt16) -> Float {
    let sign: UInt32 = UInt32(bits & 0x8000) << 16
    let exponent = UInt32(bits >> 10) & 0x1f
    let mantissa = UInt32(bits & 0x03ff)
    switch exponent {
    case 0:
      let magnitude = Float(mantissa) * 0x1p-24
      return sign == 0 ? magnitude : -magnitude
    case 31:
      return Float(bitPattern: sign | 0x7f80_0000 | mantissa << 13)
    default:
      return Float(bitPattern: sign | (exponent + 112) << 23 | mantissa << 13)
    }
  }

  /// `value` rounded to the nearest binary16 number, as a `Float`.
  public static func rounded(_ value: Float) -> Float {
    float(fromBits: bits(from: value))
  }

  /// `value >> shift`, rounded to nearest with ties to even.
  private static func roundShifted(_ value: UInt32, by shift: UInt32) -> UInt32 {
    let truncated = value >> shift
    let remainder = value & ((1 << shift) - 1)
    let halfway: UInt32 = 1 << (shift - 1)
    let roundsUp = remainder > halfway || (remainder == halfway && truncated & 1 == 1)
    return roundsUp ? truncated + 1 : truncated
  }
}
