import NumericCore

/// The encoders' number format, under the name users of Backbones (and Pipeline) see.
public typealias Precision = NumericCore.Precision

/// The user's `--precision`: a number format, or `auto` for the fastest one this CPU runs
/// correctly.
public enum PrecisionChoice: String, Sendable, Hashable, Codable, CaseIterable {
  case auto
  case f32
  case bf16

  /// The format to run: `auto` is the fastest supported precision whose kernels pass
  /// `Precision.passesKernelCheck` (bfloat16 features stay within cosine 0.999 of float32 on
  /// real frames, so they are as good for every model); an explicit one must be supported.
  public func resolved() throws(UnsupportedPrecision) -> Precision {
    switch self {
    case .auto: return Precision.supported.last(where: \.passesKernelCheck) ?? .f32
    case .f32: return .f32
    case .bf16:
      guard Precision.bf16.isSupported else { throw UnsupportedPrecision(precision: .bf16) }
      return .bf16
    }
  }
}

/// A precision this CPU cannot run was asked for.
public struct UnsupportedPrecision: Error, CustomStringConvertible, Equatable {
  public let precision: Precision

  public init(precision: Precision) {
    self.precision = precision
  }

  public var description: String {
    "precision \(precision.rawValue): this CPU has no \(precision.instructionSet) "
      + "(use --precision f32, or auto to pick the fastest supported one)"
  }
}
