import CKernels

/// A 1×1 convolution (equally: a dense layer applied to every pixel) with its bias and
/// activation, weights packed once for the micro-kernel.
///
/// On NHWC activations a 1×1 convolution is the product of the `pixels × inputChannels` input
/// and an `inputChannels × outputChannels` matrix. The matrix is stored as panels of 32 output
/// channels, each panel `inputChannels` rows of 32 contiguous floats, the order the
/// micro-kernel streams them. The micro-kernel keeps an 8-pixel × 32-channel tile of outputs in
/// 16 vector registers, starts them at the bias and applies the residual add and activation
/// before the single store.
///
/// `converted(to: .bf16)` adds bfloat16 copies of the panels, and `apply` then runs the
/// AVX512-BF16 kernel of CKernels instead (same layout contract and epilogue, float32 sums).
public struct PointwiseConvolution: Sendable {
  public let inputChannels: Int
  public let outputChannels: Int
  private let panels: AlignedBuffer
  private let bias: AlignedBuffer
  /// The panels as bfloat16 pairs along the input channels, when the precision is bf16.
  private var pairPanels: AlignedBuffer? = nil

  /// The number format of the products `apply` computes.
  public var precision: Precision { pairPanels == nil ? .f32 : .bf16 }
  /// The largest L2 norm of one output channel's weights: bfloat16 rounding (2⁻⁹ relative) of
  /// weights and inputs moves that channel's output by about 2⁻⁸ times this per unit input, so
  /// a layer with huge folded weights (a batch norm with a near-zero variance) needs float32.
  public let largestWeightNorm: Float

  static let panelWidth = 32
  static let tileRows = 8

  /// - Parameters:
  ///   - weights: `outputChannels × inputChannels`, row-major (PyTorch's `[O, I, 1, 1]`).
  ///   - bias: `outputChannels` values.
  public init(weights: [Float], bias: [Float], inputChannels: Int, outputChannels: Int) {
    precondition(weights.count == inputChannels * outputChannels, "weight count mismatch")
    precondition(bias.count == outputChannels, "bias count mismatch")
    self.inputChannels = inputChannels
    self.outputChannels = outputChannels
    let width = Self.panelWidth
    let panelCount = (outputChannels + width - 1) / width
    let packed = AlignedBuffer(count: panelCount * inputChannels * width)
    // One pass in storage order, with each channel's squared norm summed beside it: a model's
    // 1×1 weights are most of its megabytes, and every command waits for them at start.
    var squares = [Float](repeating: 0, count: panelCount * width)
    weights.withUnsafeBufferPointer { weights in
      squares.withUnsafeMutableBufferPointer { squares in
        var target = packed.pointer
        for panel in 0..<panelCount {
          let lanes = min(width, outputChannels - panel * width)
          let first = panel * width
          for input in 0..<inputChannels {
            var source = first * inputChannels + input
            for lane in 0..<lanes {
              let weight = weights[source]
              target[lane] = weight
              squares[first + lane] += weight * weight
              source &+= inputChannels
            }
            target += width
          }
        }
      }
    }
    panels = packed
    self.bias = AlignedBuffer(bias, count: panelCount * width)
    largestWeightNorm = squares.max()?.squareRoot() ?? 0
  }

  /// Multiply-adds per pixel, for throughput reports.
  public var multiplyAddsPerPixel: Int { inputChannels * outputChannels }

  /// The same convolution computing its products in `precision`, which this CPU must support.
  public func converted(to precision: Precision) -> PointwiseConvolution {
    precondition(precision.isSupported, "this CPU has no \(precision.rawValue) kernels")
    var result = self
    switch precision {
    case .f32:
      result.pairPanels = nil
    case .bf16:
      let pairs = AlignedBuffer(
        count: vidi_pointwise_bf16_panel_floats(inputChannels, outputChannels))
      UnsafeMutableRawPointer(pairs.pointer).withMemoryRebound(
        to: UInt16.self, capacity: pairs.count * 2
      ) {
        vidi_pointwise_bf16_pack(panels.pointer, inputChannels, outputChannels, $0)
      }
      result.pairPanels = pairs
    }
    return result
  }

  /// Computes `pixels` output pixels from `input` (`pixels × inputChannels`, packed).
  ///
  /// - Parameters:
  ///   - output: receives the results as its pixels `firstPixel ..< firstPixel + pixels`.
  ///   - residual: optional `pixels × outputChannels` (packed) added before the activation.
  public func apply(
    input: UnsafePointer<Float>, pixels: Int, output: PixelLayout, firstPixel: Int = 0,
    residual: UnsafePointer<Float>? = nil, activation: Activation
  ) {
    precondition(output.channels >= outputChannels, "output pixels are too narrow")
    if precision == .bf16 {
      applyBFloat16(input, pixels, output, firstPixel, residual, activation: activation)
      return
    }
    switch activation {
    case .identity:
      apply(input, pixels, output, firstPixel, residual, IdentityActivation.self)
    case .relu:
      apply(input, pixels, output, firstPixel, residual, ReLUActivation.self)
    case .relu6:
      apply(input, pixels, output, firstPixel, residual, ReLU6Activation.self)
    }
  }

  /// Whether `apply(bfloat16Input:...)` may be called: bfloat16 products, and an even depth
  /// (rows of pairs with no padding).
  public var takesBFloat16Input: Bool { pairPanels != nil && inputChannels.isMultiple(of: 2) }

  /// `apply` on input already rounded to bfloat16 (`pixels × inputChannels` bit patterns, as
  /// `DepthwiseConvolution` writes them), which skips the kernel's own rounding pass. Only
  /// when `takesBFloat16Input`; the results are those of `apply` on the same values as floats.
  public func apply(
    bfloat16Input input: UnsafePointer<UInt16>, pixels: Int, output: PixelLayout,
    firstPixel: Int = 0, residual: UnsafePointer<Float>? = nil, activation: Activation
  ) {
    precondition(takesBFloat16Input, "only a bf16 convolution of even depth takes bf16 input")
    precondition(output.channels >= outputChannels, "output pixels are too narrow")
    withBFloat16Kernel(output, activation) { panels, layout, kind in
      vidi_pointwise_bf16_rounded(
        input, pixels, inputChannels, panels, outputChannels, bias.pointer, residual,
        outputChannels, layout, firstPixel, kind)
    }
  }

  private func applyBFloat16(
    _ input: UnsafePointer<Float>, _ pixels: Int, _ output: PixelLayout, _ firstPixel: Int,
    _ residual: UnsafePointer<Float>?, activation: Activation
  ) {
    withBFloat16Kernel(output, activation) { panels, layout, kind in
      vidi_pointwise_bf16(
        input, pixels, inputChannels, panels, outputChannels, bias.pointer, residual,
        outputChannels, layout, firstPixel, kind)
    }
  }

  /// The bfloat16 panels, output layout and activation as the C kernels take them.
  private func withBFloat16Kernel(
    _ output: PixelLayout, _ activation: Activation,
    _ body: (UnsafePointer<UInt16>, VidiPixelLayout, VidiActivation) -> Void
  ) {
    guard let pairPanels else { preconditionFailure("not a bf16 convolution") }
    let kind = activation.kernelCode
    let layout = VidiPixelLayout(
      base: output.base, channels: output.channels,
      row_length: output.rowLength == .max ? 0 : output.rowLength, row_stride: output.rowStride)
    UnsafeRawPointer(pairPanels.pointer).withMemoryRebound(
      to: UInt16.self, capacity: pairPanels.count * 2
    ) { body($0, layout, kind) }
  }

  private func apply<Function: VectorActivation>(
    _ input: UnsafePointer<Float>, _ pixels: Int, _ output: PixelLayout, _ firstPixel: Int,
    _ residual: UnsafePointer<Float>?, _: Function.Type
  ) {
    let width = Self.panelWidth
    // Rows per pass over the panels: enough to reuse each panel from cache, few enough that
    // the rows' inputs stay in L2 while all panels run over them.
    let chunk = max(
      Self.tileRows, (16_384 / max(inputChannels, 1)) / Self.tileRows * Self.tileRows)
    for chunkStart in stride(from: 0, to: pixels, by: chunk) {
      let chunkEnd = min(chunkStart + chunk, pixels)
      for panel in 0..<((outputChannels + width - 1) / width) {
        let columns = min(width, outputChannels - panel * width)
        var cursor = PixelLayout.Cursor(output, at: firstPixel + chunkStart)
        for tileStart in stride(from: chunkStart, to: chunkEnd, by: Self.tileRows) {
          let tile = Tile<Function>(
            a: input + tileStart * inputChannels, lda: inputChannels,
            rows: min(Self.tileRows, chunkEnd - tileStart), depth: inputChannels,
            b: UnsafePointer(panels.pointer + panel * inputChannels * width),
            bias: UnsafePointer(bias.pointer + panel * width),
            residual: residual.map { $0 + tileStart * outputChannels + panel * width },
            residualStride: outputChannels, columnOffset: panel * width)
          if columns > 16 && tile.rows <= 4 {
            tile.run32Short(lanes: columns - 16, cursor: &cursor)
          } else if columns > 16 {
            tile.run32(lanes: columns - 16, cursor: &cursor)
          } else {
            tile.run16(lanes: columns, cursor: &cursor)
          }
        }
      }
    }
  }
}

/// One micro-kernel call: up to 8 rows of A against one 32-wide panel of B, with the bias
/// as the accumulators' start and the residual and activation applied on the way out.
///
/// Rows past `rows` re-read the last valid row (so no tail code is needed) and are not stored.
private struct Tile<Function: VectorActivation> {
  let a: UnsafePointer<Float>
  let lda: Int
  let rows: Int
  let depth: Int
  let b: UnsafePointer<Float>
  let bias: UnsafePointer<Float>
  let residual: UnsafePointer<Float>?
  let residualStride: Int
  let columnOffset: Int

  @inline(__always)
  func row(_ index: Int) -> UnsafePointer<Float> {
    a + min(index, rows - 1) * lda
  }

  /// Stores one accumulator vector of output row `row`, of which `lanes` columns exist.
  @inline(__always)
  func emit(
    _ value: FloatVector, row: Int, vector: Int, lanes: Int, into pixel: UnsafeMutablePointer<Float>
  ) {
    guard lanes == 16 else {
      emitPartial(value, row: row, vector: vector, lanes: lanes, into: pixel)
      return
    }
    var result = value
    if let residual { result += residual.vector(at: row &* residualStride &+ vector &* 16) }
    pixel.store(Function.apply(result), at: columnOffset &+ vector &* 16)
  }

  /// The ragged end of a panel (fewer than 16 output channels left).
  @inline(__always)
  func emitPartial(
    _ value: FloatVector, row: Int, vector: Int, lanes: Int, into pixel: UnsafeMutablePointer<Float>
  ) {
    var result = value
    if let residual {
      result += residual.vector(at: row * residualStride + vector * 16, lanes: lanes)
    }
    pixel.store(Function.apply(result), at: columnOffset + vector * 16, lanes: lanes)
  }

  /// 8 × 32 outputs in 16 accumulators; `lanes` is how many of the second 16 columns exist.
  @inline(never)
  func run32(lanes: Int, cursor: inout PixelLayout.Cursor) {
    let bias0 = bias.vector(at: 0)
    let bias1 = bias.vector(at: 16)
    var c00 = bias0
    var c01 = bias1
    var c10 = bias0
    var c11 = bias1
    var c20 = bias0
    var c21 = bias1
    var c30 = bias0
    var c31 = bias1
    var c40 = bias0
    var c41 = bias1
    var c50 = bias0
    var c51 = bias1
    var c60 = bias0
    var c61 = bias1
    var c70 = bias0
    var c71 = bias1
    let a0 = row(0)
    let a1 = row(1)
    let a2 = row(2)
    let a3 = row(3)
    let a4 = row(4)
    let a5 = row(5)
    let a6 = row(6)
    let a7 = row(7)
    var panel = b
    for k in 0..<depth {
      let b0 = panel.vector(at: 0)
      let b1 = panel.vector(at: 16)
      panel += 32
      var x: FloatVector
      x = FloatVector(repeating: a0[k])
      c00.addProduct(x, b0)
      c01.addProduct(x, b1)
      x = FloatVector(repeating: a1[k])
      c10.addProduct(x, b0)
      c11.addProduct(x, b1)
      x = FloatVector(repeating: a2[k])
      c20.addProduct(x, b0)
      c21.addProduct(x, b1)
      x = FloatVector(repeating: a3[k])
      c30.addProduct(x, b0)
      c31.addProduct(x, b1)
      x = FloatVector(repeating: a4[k])
      c40.addProduct(x, b0)
      c41.addProduct(x, b1)
      x = FloatVector(repeating: a5[k])
      c50.addProduct(x, b0)
      c51.addProduct(x, b1)
      x = FloatVector(repeating: a6[k])
      c60.addProduct(x, b0)
      c61.addProduct(x, b1)
      x = FloatVector(repeating: a7[k])
      c70.addProduct(x, b0)
      c71.addProduct(x, b1)
    }
    var pixel: UnsafeMutablePointer<Float>
    pixel = cursor.next()
    emit(c00, row: 0, vector: 0, lanes: 16, into: pixel)
    emit(c01, row: 0, vector: 1, lanes: lanes, into: pixel)
    guard rows > 1 else { return }
    pixel = cursor.next()
    emit(c10, row: 1, vector: 0, lanes: 16, into: pixel)
    emit(c11, row: 1, vector: 1, lanes: lanes, into: pixel)
    guard rows > 2 else { return }
    pixel = cursor.next()
    emit(c20, row: 2, vector: 0, lanes: 16, into: pixel)
    emit(c21, row: 2, vector: 1, lanes: lanes, into: pixel)
    guard rows > 3 else { return }
    pixel = cursor.next()
    emit(c30, row: 3, vector: 0, lanes: 16, into: pixel)
    emit(c31, row: 3, vector: 1, lanes: lanes, into: pixel)
    guard rows > 4 else { return }
    pixel = cursor.next()
    emit(c40, row: 4, vector: 0, lanes: 16, into: pixel)
    emit(c41, row: 4, vector: 1, lanes: lanes, into: pixel)
    guard rows > 5 else { return }
    pixel = cursor.next()
    emit(c50, row: 5, vector: 0, lanes: 16, into: pixel)
    emit(c51, row: 5, vector: 1, lanes: lanes, into: pixel)
    guard rows > 6 else { return }
    pixel = cursor.next()
    emit(c60, row: 6, vector: 0, lanes: 16, into: pixel)
    emit(c61, row: 6, vector: 1, lanes: lanes, into: pixel)
    guard rows > 7 else { return }
    pixel = cursor.next()
    emit(c70, row: 7, vector: 0, lanes: 16, into: pixel)
    emit(c71, row: 7, vector: 1, lanes: lanes, into: pixel)
  }

  /// 4 × 32 outputs, for the last rows of a call when at most four remain (a 7 × 7 image
  /// is 6 tiles of 8 and one row).
  @inline(never)
  func run32Short(lanes: Int, cursor: inout PixelLayout.Cursor) {
    let bias0 = bias.vector(at: 0)
    let bias1 = bias.vector(at: 16)
    var c00 = bias0
    var c01 = bias1
    var c10 = bias0
    var c11 = bias1
    var c20 = bias0
    var c21 = bias1
    var c30 = bias0
    var c31 = bias1
    let a0 = row(0)
    let a1 = row(1)
    let a2 = row(2)
    let a3 = row(3)
    var panel = b
    for k in 0..<depth {
      let b0 = panel.vector(at: 0)
      let b1 = panel.vector(at: 16)
      panel += 32
      var x: FloatVector
      x = FloatVector(repeating: a0[k])
      c00.addProduct(x, b0)
      c01.addProduct(x, b1)
      x = FloatVector(repeating: a1[k])
      c10.addProduct(x, b0)
      c11.addProduct(x, b1)
      x = FloatVector(repeating: a2[k])
      c20.addProduct(x, b0)
      c21.addProduct(x, b1)
      x = FloatVector(repeating: a3[k])
      c30.addProduct(x, b0)
      c31.addProduct(x, b1)
    }
    var pixel: UnsafeMutablePointer<Float>
    pixel = cursor.next()
    emit(c00, row: 0, vector: 0, lanes: 16, into: pixel)
    emit(c01, row: 0, vector: 1, lanes: lanes, into: pixel)
    guard rows > 1 else { return }
    pixel = cursor.next()
    emit(c10, row: 1, vector: 0, lanes: 16, into: pixel)
    emit(c11, row: 1, vector: 1, lanes: lanes, into: pixel)
    guard rows > 2 else { return }
    pixel = cursor.next()
    emit(c20, row: 2, vector: 0, lanes: 16, into: pixel)
    emit(c21, row: 2, vector: 1, lanes: lanes, into: pixel)
    guard rows > 3 else { return }
    pixel = cursor.next()
    emit(c30, row: 3, vector: 0, lanes: 16, into: pixel)
    emit(c31, row: 3, vector: 1, lanes: lanes, into: pixel)
  }

  /// 8 × 16 outputs, for a last panel of at most 16 columns (`lanes` of them exist).
  @inline(never)
  func run16(lanes: Int, cursor: inout PixelLayout.Cursor) {
    let bias0 = bias.vector(at: 0)
    var c0 = bias0
    var c1 = bias0
    var c2 = bias0
    var c3 = bias0
    var c4 = bias0
    var c5 = bias0
    var c6 = bias0
    var c7 = bias0
    let a0 = row(0)
    let a1 = row(1)
    let a2 = row(2)
    let a3 = row(3)
    let a4 = row(4)
    let a5 = row(5)
    let a6 = row(6)
    let a7 = row(7)
    var panel = b
    for k in 0..<depth {
      let b0 = panel.vector(at: 0)
      panel += 32
      c0.addProduct(FloatVector(repeating: a0[k]), b0)
      c1.addProduct(FloatVector(repeating: a1[k]), b0)
      c2.addProduct(FloatVector(repeating: a2[k]), b0)
      c3.addProduct(FloatVector(repeating: a3[k]), b0)
      c4.addProduct(FloatVector(repeating: a4[k]), b0)
      c5.addProduct(FloatVector(repeating: a5[k]), b0)
      c6.addProduct(FloatVector(repeating: a6[k]), b0)
      c7.addProduct(FloatVector(repeating: a7[k]), b0)
    }
    emit(c0, row: 0, vector: 0, lanes: lanes, into: cursor.next())
    guard rows > 1 else { return }
    emit(c1, row: 1, vector: 0, lanes: lanes, into: cursor.next())
    guard rows > 2 else { return }
    emit(c2, row: 2, vector: 0, lanes: lanes, into: cursor.next())
    guard rows > 3 else { return }
    emit(c3, row: 3, vector: 0, lanes: lanes, into: cursor.next())
    guard rows > 4 else { return }
    emit(c4, row: 4, vector: 0, lanes: lanes, into: cursor.next())
    guard rows > 5 else { return }
    emit(c5, row: 5, vector: 0, lanes: lanes, into: cursor.next())
    guard rows > 6 else { return }
    emit(c6, row: 6, vector: 0, lanes: lanes, into: cursor.next())
    guard rows > 7 else { return }
    emit(c7, row: 7, vector: 0, lanes: lanes, into: cursor.next())
  }
}
