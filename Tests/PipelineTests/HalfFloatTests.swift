import Pipeline
import Testing

@Suite struct HalfFloatTests {
  @Test func everyHalfSurvivesARoundTripThroughFloat() {
    for bits in UInt16.min...UInt16.max {
      let value = HalfFloat.float(fromBits: bits)
      if value.isNaN {
        let back = HalfFloat.bits(from: value)
        #expect(back & 0x7c00 == 0x7c00 && back & 0x03ff != 0)
      } else {
        #expect(HalfFloat.bits(from: value) == bits, "bits \(bits)")
      }
    }
  }

  static let roundingCases: [(Float, UInt16)] = [
    (1, 0x3c00),
    (-2, 0xc000),
    (0.5, 0x3800),
    (65504, 0x7bff),
    (65519, 0x7bff),
    (65520, 0x7c00),
    (.infinity, 0x7c00),
    (-.infinity, 0xfc00),
    (0x1p-14, 0x0400),
    (0x1p-24, 0x0001),
    (0x1p-25, 0x0000),
    (0x1.0001p-25, 0x0001),
    (0x1.8p-24, 0x0002),
    (1 + 0x1p-11, 0x3c00),
    (1 + 0x3p-11, 0x3c02),
    (1 + 0x1p-10, 0x3c01),
    (-0.0, 0x8000),
    (1e-30, 0x0000),
  ]

  @Test(arguments: roundingCases)
  func roundsToNearestEven(value: Float, expected: UInt16) {
    #expect(HalfFloat.bits(from: value) == expected)
  }

  @Test func nanStaysNaN() {
    #expect(HalfFloat.float(fromBits: HalfFloat.bits(from: .nan)).isNaN)
    #expect(HalfFloat.float(fromBits: HalfFloat.bits(from: -.signalingNaN)).isNaN)
  }

  #if !(os(macOS) && arch(x86_64))
    @Test func agreesWithTheHardwareConversionAcrossAllFloats() {
      var pattern: UInt32 = 0
      var mismatches = 0
      repeat {
        let value = Float(bitPattern: pattern)
        if !value.isNaN, HalfFloat.bits(from: value) != Float16(value).bitPattern {
          mismatches += 1
        }
        let (next, overflow) = pattern.addingReportingOverflow(977)
        pattern = next
        if overflow { break }
      } while true
      #expect(mismatches == 0)
    }
  #endif
}
