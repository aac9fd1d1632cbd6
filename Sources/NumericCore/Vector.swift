import CKernels

/// The vector every kernel computes with: 16 floats, one AVX-512 register when the build
/// targets a CPU that has it (`-target-cpu native`), several narrower ones otherwise.
public typealias FloatVector = SIMD16<Float>

extension UnsafePointer<Float> {
  @inline(__always)
  func vector(at offset: Int = 0) -> FloatVector {
    UnsafeRawPointer(self + offset).loadUnaligned(as: FloatVector.self)
  }
}

extension UnsafeMutablePointer<Float> {
  @inline(__always)
  func vector(at offset: Int = 0) -> FloatVector {
    UnsafeRawPointer(self + offset).loadUnaligned(as: FloatVector.self)
  }

  @inline(__always)
  func store(_ value: FloatVector, at offset: Int = 0) {
    UnsafeMutableRawPointer(self + offset).storeBytes(of: value, as: FloatVector.self)
  }

  /// Stores the first `lanes` lanes only, for the ragged end of a channel row (eight at once
  /// when there are that many, as channel counts are usually multiples of 8).
  @inline(__always)
  func store(_ value: FloatVector, at offset: Int = 0, lanes: Int) {
    if lanes == FloatVector.scalarCount {
      store(value, at: offset)
      return
    }
    var lane = 0
    if lanes >= 8 {
      UnsafeMutableRawPointer(self + offset).storeBytes(of: value.lowHalf, as: SIMD8<Float>.self)
      lane = 8
    }
    while lane < lanes {
      self[offset + lane] = value[lane]
      lane += 1
    }
  }
}

extension UnsafePointer<Float> {
  /// Loads the first `lanes` lanes; the others are zero.
  @inline(__always)
  func vector(at offset: Int, lanes: Int) -> FloatVector {
    if lanes == FloatVector.scalarCount { return vector(at: offset) }
    var value = FloatVector()
    var lane = 0
    if lanes >= 8 {
      value.lowHalf = UnsafeRawPointer(self + offset).loadUnaligned(as: SIMD8<Float>.self)
      lane = 8
    }
    while lane < lanes {
      value[lane] = self[offset + lane]
      lane += 1
    }
    return value
  }
}

/// The activation fused into a kernel's output pass.
public enum Activation: Sendable, Equatable {
  case identity
  case relu
  /// `min(max(x, 0), 6)`.
  case relu6

  /// The scalar form, for references and ragged ends.
  public func apply(_ value: Float) -> Float {
    switch self {
    case .identity: value
    case .relu: value < 0 ? 0 : value
    case .relu6: value < 0 ? 0 : (value > 6 ? 6 : value)
    }
  }

  /// The activation as the C kernels take it.
  var kernelCode: VidiActivation {
    switch self {
    case .identity: VIDI_ACTIVATION_IDENTITY
    case .relu: VIDI_ACTIVATION_RELU
    case .relu6: VIDI_ACTIVATION_RELU6
    }
  }
}

/// An activation as a type, so kernels specialise their output pass for it instead of
/// switching per vector.
protocol VectorActivation {
  static func apply(_ value: FloatVector) -> FloatVector
}

enum IdentityActivation: VectorActivation {
  @inline(__always)
  static func apply(_ value: FloatVector) -> FloatVector { value }
}

/// Compare-and-select rather than `pointwiseMax`, whose NaN rules cost extra instructions.
enum ReLUActivation: VectorActivation {
  @inline(__always)
  static func apply(_ value: FloatVector) -> FloatVector {
    value.replacing(with: 0, where: value .< 0)
  }
}

enum ReLU6Activation: VectorActivation {
  @inline(__always)
  static func apply(_ value: FloatVector) -> FloatVector {
    value.replacing(with: 0, where: value .< 0).replacing(with: 6, where: value .> 6)
  }
}

/// Where a kernel writes its output pixels: image rows of `rowLength` pixels, each pixel
/// `channels` floats, rows `rowStride` floats apart.
///
/// A row stride wider than `rowLength * channels` writes into the interior of a zero-bordered
/// buffer, so the depthwise convolution that reads it next needs no bounds checks.
public struct PixelLayout {
  public var base: UnsafeMutablePointer<Float>
  public var channels: Int
  public var rowLength: Int
  public var rowStride: Int

  public init(base: UnsafeMutablePointer<Float>, channels: Int, rowLength: Int, rowStride: Int) {
    self.base = base
    self.channels = channels
    self.rowLength = rowLength
    self.rowStride = rowStride
  }

  /// Pixels packed one after another.
  public init(compact base: UnsafeMutablePointer<Float>, channels: Int) {
    self.init(base: base, channels: channels, rowLength: .max, rowStride: 0)
  }

  /// Walks the layout's pixels in order without a division per pixel.
  struct Cursor {
    private let layout: PixelLayout
    private var rowStart: UnsafeMutablePointer<Float>
    private var column: Int
    private var current: UnsafeMutablePointer<Float>

    init(_ layout: PixelLayout, at index: Int) {
      self.layout = layout
      if layout.rowLength == .max {
        (rowStart, column) = (layout.base, index)
      } else {
        let (row, column) = index.quotientAndRemainder(dividingBy: layout.rowLength)
        (rowStart, self.column) = (layout.base + row * layout.rowStride, column)
      }
      current = rowStart + column * layout.channels
    }

    /// The current pixel's first channel; then steps to the next pixel.
    @inline(__always)
    mutating func next() -> UnsafeMutablePointer<Float> {
      defer {
        column += 1
        if column == layout.rowLength {
          column = 0
          rowStart += layout.rowStride
          current = rowStart
        } else {
          current += layout.channels
        }
      }
      return current
    }
  }
}
