import CKernels

/// The number format the frame encoders multiply in. Sums are float32 either way.
public enum Precision: String, Sendable, Codable, CaseIterable {
  /// float32 products: the reference.
  case f32
  /// bfloat16 products with float32 sums (AVX512-BF16 `vdpbf16ps`) in the 1×1 convolutions,
  /// about twice the float32 rate on CPUs that have it.
  case bf16

  /// Whether this CPU runs the precision's kernels; float32 runs everywhere.
  public var isSupported: Bool {
    switch self {
    case .f32: true
    case .bf16: Self.bf16Supported
    }
  }

  /// The precisions this CPU runs, slowest (the reference) first.
  public static var supported: [Precision] { allCases.filter(\.isSupported) }

  /// The fastest precision this CPU runs.
  public static var fastest: Precision { supported.last ?? .f32 }

  /// Asked once: the answer cannot change while the process runs.
  private static let bf16Supported = vidi_bf16_supported()
}

/// Rounds to the nearest bfloat16 (ties to even) and back, as the bfloat16 kernels round
/// their inputs: for references and error estimates.
public func roundedToBFloat16(_ value: Float) -> Float {
  Float(bitPattern: UInt32(vidi_bf16_from_float(value)) << 16)
}

extension Precision {
  /// The instructions the precision's kernels need, for messages.
  public var instructionSet: String {
    switch self {
    case .f32: "float32 arithmetic"
    case .bf16: "AVX512-BF16 instructions"
    }
  }

  /// Whether this precision's 1×1 convolution, run on a fixed random problem, agrees with the
  /// float32 one as closely as its rounding allows: guards `auto` against a CPU or emulator
  /// that announces the instructions but computes them wrongly. Run once per process.
  public var passesKernelCheck: Bool {
    switch self {
    case .f32: true
    case .bf16: Self.bf16KernelCheck
    }
  }

  private static let bf16KernelCheck: Bool = {
    guard Precision.bf16.isSupported else { return false }
    let (pixels, inputs, outputs) = (19, 67, 41)
    var state: UInt32 = 12345
    func next() -> Float {
      state = state &* 1_664_525 &+ 1_013_904_223
      return Float(Int32(bitPattern: state)) / Float(Int32.max)
    }
    let input = (0..<(pixels * inputs)).map { _ in next() }
    let weights = (0..<(inputs * outputs)).map { _ in next() }
    let bias = (0..<outputs).map { _ in next() }
    let reference = PointwiseConvolution(
      weights: weights, bias: bias, inputChannels: inputs, outputChannels: outputs)
    let exact = reference.outputs(of: input, pixels: pixels)
    let reduced = reference.converted(to: .bf16).outputs(of: input, pixels: pixels)
    // Each product is off by at most 2⁻⁸ relative; the sum of 67 by far less than 0.05 of the
    // largest output.
    let scale = exact.map(abs).max() ?? 1
    return zip(exact, reduced).allSatisfy { abs($0 - $1) <= 0.05 * scale }
  }()
}

extension PointwiseConvolution {
  /// `pixels` compact output pixels of `input`, no activation.
  func outputs(of input: [Float], pixels: Int) -> [Float] {
    var result = [Float](repeating: .nan, count: pixels * outputChannels)
    input.withUnsafeBufferPointer { source in
      result.withUnsafeMutableBufferPointer { target in
        apply(
          input: source.baseAddress!, pixels: pixels,
          output: PixelLayout(compact: target.baseAddress!, channels: outputChannels),
          activation: .identity)
      }
    }
    return result
  }
}
