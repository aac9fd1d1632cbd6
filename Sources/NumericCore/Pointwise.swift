/// A 1×1 convolution (equally: a dense layer applied to every pixel) with its bias and
/// activation, weights packed once for the micro-kernel.
///
/// On NHWC activations a 1×1 convolution is the product of the `pixels × inputChannels` input
/// and an `inputChannels × outputChannels` matrix. The matrix is stored as panels of 32 output
/// channels, each panel `inputChannels` rows of 32 contiguous floats, the order the
/// micro-kernel streams them. The micro-kernel keeps an 8-pixel × 32-channel tile of outputs in
/// 16 vector registers, starts them at the bias and applies the residual add and activation
/// before the single store.
public struct PointwiseConvolution: Sendable {
  public let inputChannels: Int
  public let outputChannels: Int
  private let panels: AlignedBuffer
  private let bias: AlignedBuffer

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
    for output in 0..<outputChannels {
      let (panel, lane) = output.quotientAndRemainder(dividingBy: width)
      for input in 0..<inputChannels {
        packed.pointer[(panel * inputChannels + input) * width + lane] =
          weights[output * inputChannels + input]
      }
    }
    panels = packed
    self.bias = AlignedBuffer(bias, count: panelCount * width)
  }

  /// Multiply-adds per pixel, for throughput reports.
  public var multiplyAddsPerPixel: Int { inputChannels * outputChannels }

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
    let width = Self.panelWidth
    // Rows per pass over the panels: enough to reuse each panel from cache, few enough that
    // the rows' inputs stay in L2 while all panels run over them.
    let chunk = max(Self.tileRows, (16_384 / max(inputChannels, 1)) / Self.tileRows * Self.tileRows)
    for chunkStart in stride(from: 0, to: pixels, by: chunk) {
      let chunkEnd = min(chunkStart + chunk, pixels)
      for panel in 0..<((outputChannels + width - 1) / width) {
        let columns = min(width, outputChannels - panel * width)
        var cursor = PixelLayout.Cursor(output, at: firstPixel + chunkStart)
        for tileStart in stride(from: chunkStart, to: chunkEnd, by: Self.tileRows) {
          let tile = Tile(
            a: input + tileStart * inputChannels, lda: inputChannels,
            rows: min(Self.tileRows, chunkEnd - tileStart), depth: inputChannels,
            b: UnsafePointer(panels.pointer + panel * inputChannels * width),
            bias: UnsafePointer(bias.pointer + panel * width),
            residual: residual.map { $0 + tileStart * outputChannels + panel * width },
            residualStride: outputChannels, columnOffset: panel * width, activation: activation)
          if columns > 16 {
            tile.run32(lanes: columns - 16, cursor: &cursor)
          } else {
            tile.run16(lanes: columns, cursor: &cursor)
          }
        }
      }
    }
  }
}

/// One micro-kernel call: up to 8 rows of A against one 32-wide panel of B.
///
/// Rows past `rows` re-read the last valid row (so no tail code is needed) and are not stored.
private struct Tile {
  let a: UnsafePointer<Float>
  let lda: Int
  let rows: Int
  let depth: Int
  let b: UnsafePointer<Float>
  let bias: UnsafePointer<Float>
  let residual: UnsafePointer<Float>?
  let residualStride: Int
  let columnOffset: Int
  let activation: Activation

  @inline(__always)
  func row(_ index: Int) -> UnsafePointer<Float> {
    a + min(index, rows - 1) * lda
  }

  /// Adds the residual, applies the activation and stores the accumulated tile (`rows`
  /// rows of `width` floats, of which the last vector holds `lastLanes` real columns).
  @inline(__always)
  func store(
    _ tile: UnsafeMutablePointer<Float>, width: Int, lastLanes: Int,
    cursor: inout PixelLayout.Cursor
  ) {
    switch activation {
    case .identity:
      store(tile, width: width, lastLanes: lastLanes, cursor: &cursor, IdentityActivation.self)
    case .relu:
      store(tile, width: width, lastLanes: lastLanes, cursor: &cursor, ReLUActivation.self)
    case .relu6:
      store(tile, width: width, lastLanes: lastLanes, cursor: &cursor, ReLU6Activation.self)
    }
  }

  @inline(__always)
  func store<Function: VectorActivation>(
    _ tile: UnsafeMutablePointer<Float>, width: Int, lastLanes: Int,
    cursor: inout PixelLayout.Cursor, _: Function.Type
  ) {
    let vectors = width / 16
    for row in 0..<rows {
      let pixel = cursor.next() + columnOffset
      let values = tile + row * width
      let extra = residual.map { $0 + row * residualStride }
      for vector in 0..<vectors {
        let offset = vector * 16
        var value = values.vector(at: offset)
        let lanes = vector == vectors - 1 ? lastLanes : 16
        if let extra {
          if lanes == 16 {
            value += extra.vector(at: offset)
          } else {
            for lane in 0..<lanes { value[lane] += extra[offset + lane] }
          }
        }
        pixel.store(Function.apply(value), at: offset, lanes: lanes)
      }
    }
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
      var x = FloatVector(repeating: a0[k])
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
    withUnsafeTemporaryAllocation(of: Float.self, capacity: 8 * 32) { buffer in
      let tile = buffer.baseAddress!
      tile.store(c00, at: 0)
      tile.store(c01, at: 16)
      tile.store(c10, at: 32)
      tile.store(c11, at: 48)
      tile.store(c20, at: 64)
      tile.store(c21, at: 80)
      tile.store(c30, at: 96)
      tile.store(c31, at: 112)
      tile.store(c40, at: 128)
      tile.store(c41, at: 144)
      tile.store(c50, at: 160)
      tile.store(c51, at: 176)
      tile.store(c60, at: 192)
      tile.store(c61, at: 208)
      tile.store(c70, at: 224)
      tile.store(c71, at: 240)
      store(tile, width: 32, lastLanes: lanes, cursor: &cursor)
    }
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
    withUnsafeTemporaryAllocation(of: Float.self, capacity: 8 * 16) { buffer in
      let tile = buffer.baseAddress!
      tile.store(c0, at: 0)
      tile.store(c1, at: 16)
      tile.store(c2, at: 32)
      tile.store(c3, at: 48)
      tile.store(c4, at: 64)
      tile.store(c5, at: 80)
      tile.store(c6, at: 96)
      tile.store(c7, at: 112)
      store(tile, width: 16, lastLanes: lanes, cursor: &cursor)
    }
  }
}
