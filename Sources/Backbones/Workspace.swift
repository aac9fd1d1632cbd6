import NumericCore

/// Runs `body(worker)` for workers `0..<count`, concurrently when there are several, and
/// returns when all are done.
typealias Fork = @Sendable (_ count: Int, _ body: @Sendable (Int) -> Void) -> Void

/// The whole-frame activation buffers: the zero-bordered normalised image, the block input and
/// output (swapped after each block) and the head's output. Sized once for the network and
/// reused for every frame: fresh pages cost more than the arithmetic on the machines Vidi
/// targets.
///
/// `@unchecked Sendable`: workers cooperating on one frame only write disjoint rows of these
/// buffers between the fork-joins that separate layers.
final class FrameBuffers: @unchecked Sendable {
  let image: AlignedBuffer
  private(set) var blockInput: AlignedBuffer
  private(set) var blockOutput: AlignedBuffer
  let headOutput: AlignedBuffer

  init(network: Network) {
    let stem = network.stemGeometry
    image = AlignedBuffer(count: stem.paddedHeight * stem.paddedWidth * 3)
    var compact = 0
    for block in network.blocks {
      let geometry = block.geometry
      compact = max(
        compact, geometry.inputSize * geometry.inputSize * (block.expand?.inputChannels ?? 0),
        geometry.outputSize * geometry.outputSize * block.project.outputChannels)
    }
    blockInput = AlignedBuffer(count: compact)
    blockOutput = AlignedBuffer(count: compact)
    headOutput = AlignedBuffer(count: network.headSize * network.headSize * network.featureCount)
  }

  /// The block output becomes the next block's input.
  func advance() {
    swap(&blockInput, &blockOutput)
  }
}

/// One worker's band buffers: a band of the hidden (depthwise input) tensor with its zero
/// border, the band's depthwise output (float32, or bfloat16 in the first half), and the
/// stem's im2col rows.
final class BandBuffers: @unchecked Sendable {
  let hidden: AlignedBuffer
  let depthwise: AlignedBuffer
  let im2col: AlignedBuffer

  init(network: Network) {
    var hiddenCount = 0
    var depthwiseCount = 0
    for block in network.blocks {
      let rows = Bands.rows(block, workers: 1)
      hiddenCount = max(
        hiddenCount, Bands.hiddenRows(block, bandRows: rows) * Bands.rowFloats(block))
      depthwiseCount = max(depthwiseCount, rows * block.geometry.outputSize * block.hiddenChannels)
    }
    hidden = AlignedBuffer(count: hiddenCount)
    depthwise = AlignedBuffer(count: depthwiseCount)
    im2col = AlignedBuffer(
      count: network.stem.scratchCount(
        rows: Bands.stemRowsPerPass, outputWidth: network.stemGeometry.outputSize))
  }
}

/// How blocks are cut into bands of output rows.
///
/// Only block inputs and outputs (16 to 320 channels) exist whole. Each block runs in bands:
/// the expansion computes just the rows of the wide hidden tensor that the band's depthwise
/// window needs, into a small zero-bordered band buffer, and the projection consumes the band
/// at once, so the widest tensors never leave the core's cache. Rows shared by consecutive
/// bands are moved to the top of the band buffer rather than recomputed.
enum Bands {
  /// Output rows of the stem per im2col pass.
  static let stemRowsPerPass = 4
  /// Bytes of hidden rows a band aims for: well inside a core's L2 with the band's output.
  static let bandBytes = 512 * 1024

  /// Output rows per band: as many as fit the byte budget, at least one, and few enough that
  /// each of `workers` gets a band.
  static func rows(_ block: InvertedResidual, workers: Int) -> Int {
    let geometry = block.geometry
    let budgetRows = bandBytes / (rowFloats(block) * MemoryLayout<Float>.stride)
    let rows = (budgetRows - geometry.kernelSize) / geometry.stride + 1
    let share = (geometry.outputSize + workers - 1) / workers
    return min(max(rows, 1), share)
  }

  /// Padded hidden rows a band of `bandRows` output rows reads.
  static func hiddenRows(_ block: InvertedResidual, bandRows: Int) -> Int {
    (bandRows - 1) * block.geometry.stride + block.geometry.kernelSize
  }

  static func rowFloats(_ block: InvertedResidual) -> Int {
    block.geometry.paddedWidth * block.hiddenChannels
  }
}

/// Runs the network on one frame with `bands.count` workers: alone when encoding whole
/// frames per worker, together (splitting every layer's rows) when there are fewer frames
/// than workers.
struct FramePass: Sendable {
  let network: Network
  let frame: FrameBuffers
  let bands: [BandBuffers]
  let fork: Fork

  /// Encodes one `inputSize × inputSize` RGB frame (NHWC, interleaved) into its pooled
  /// feature vector.
  func encode(
    _ source: UnsafePointer<Float>, normalized: Bool, feature: UnsafeMutablePointer<Float>
  ) {
    loadImage(source, normalized: normalized)
    let network = network
    let frame = frame
    let stemGeometry = network.stemGeometry
    let bands = bands
    let stem: Producer = { worker, rows, output in
      network.stem.apply(
        input: frame.image.pointer, inputRowStride: stemGeometry.paddedWidth * 3,
        outputRows: rows, outputWidth: stemGeometry.outputSize, output: output,
        activation: .relu6, scratch: bands[worker].im2col.pointer,
        rowsPerPass: Bands.stemRowsPerPass)
    }
    var remaining = network.blocks[...]
    if network.blocks[0].expand == nil {
      run(network.blocks[0], producer: stem)
      remaining = remaining.dropFirst()
    } else {
      let (rows, channels) = (stemGeometry.outputSize, network.stem.outputChannels)
      fork(bands.count) { worker in
        let share = Self.share(of: rows, worker: worker, workers: bands.count, multiple: 1)
        let first = frame.blockInput.pointer + share.lowerBound * rows * channels
        stem(worker, share, PixelLayout(compact: first, channels: channels))
      }
    }
    for block in remaining {
      guard let expand = block.expand else {
        preconditionFailure("only a first block may lack an expansion")
      }
      let width = block.geometry.inputSize
      run(block) { _, rows, output in
        expand.apply(
          input: frame.blockInput.pointer + rows.lowerBound * width * expand.inputChannels,
          pixels: rows.count * width, output: output, activation: .relu6)
      }
    }
    runHead(into: feature)
  }

  /// Writes the hidden image rows it is asked for (as worker `worker`) into the given layout,
  /// whose first row is the first row asked for.
  typealias Producer = @Sendable (_ worker: Int, _ rows: Range<Int>, _ output: PixelLayout) -> Void

  /// The rows of `count` that `worker` of `workers` takes, in multiples of `multiple`.
  static func share(of count: Int, worker: Int, workers: Int, multiple: Int) -> Range<Int> {
    let units = (count + multiple - 1) / multiple
    let start = min(units * worker / workers * multiple, count)
    let end = min(units * (worker + 1) / workers * multiple, count)
    return start..<end
  }

  /// Runs `block` from the block input to the block output, band by band, the bands dealt
  /// out to the workers in contiguous runs.
  private func run(_ block: InvertedResidual, producer: @escaping Producer) {
    let bandRows = Bands.rows(block, workers: bands.count)
    let bandCount = (block.geometry.outputSize + bandRows - 1) / bandRows
    let pass = self
    fork(bands.count) { worker in
      let mine = Self.share(of: bandCount, worker: worker, workers: pass.bands.count, multiple: 1)
      pass.runBands(block, mine, bandRows: bandRows, scratch: pass.bands[worker]) {
        producer(worker, $0, $1)
      }
    }
    frame.advance()
  }

  private func runBands(
    _ block: InvertedResidual, _ bandIndices: Range<Int>, bandRows: Int, scratch: BandBuffers,
    producer: (Range<Int>, PixelLayout) -> Void
  ) {
    let geometry = block.geometry
    let rowFloats = Bands.rowFloats(block)
    let band = scratch.hidden.pointer
    let outputSize = geometry.outputSize
    let outputChannels = block.project.outputChannels
    zeroColumnPadding(block, band: band, rows: Bands.hiddenRows(block, bandRows: bandRows))

    // Padded hidden rows held in the band buffer, from its top.
    var held = 0..<0
    for bandIndex in bandIndices {
      let firstRow = bandIndex * bandRows
      let rows = firstRow..<min(firstRow + bandRows, outputSize)
      let neededEnd = (rows.upperBound - 1) * geometry.stride + geometry.kernelSize
      let needed = (rows.lowerBound * geometry.stride)..<neededEnd
      let keptStart = max(needed.lowerBound, held.lowerBound)
      let kept = keptStart..<max(keptStart, held.upperBound)
      if !kept.isEmpty {
        band.update(
          from: band + (kept.lowerBound - held.lowerBound) * rowFloats,
          count: kept.count * rowFloats)
      }
      let fresh = max(kept.upperBound, needed.lowerBound)..<needed.upperBound
      fill(
        block, paddedRows: fresh, at: band + (fresh.lowerBound - needed.lowerBound) * rowFloats,
        producer: producer)
      held = needed

      let firstPixel = rows.lowerBound * outputSize
      project(
        block, band: band, rows: rows.count, scratch: scratch,
        output: PixelLayout(
          compact: frame.blockOutput.pointer + firstPixel * outputChannels,
          channels: outputChannels),
        residual: block.residual ? frame.blockInput.pointer + firstPixel * outputChannels : nil)
    }
  }

  /// The depthwise convolution of `rows` output rows from the band, then the projection. A
  /// bfloat16 projection gets its input as bfloat16 straight from the depthwise convolution,
  /// half the bytes and no rounding pass of its own (the same rounding, so the same results).
  private func project(
    _ block: InvertedResidual, band: UnsafeMutablePointer<Float>, rows: Int,
    scratch: BandBuffers, output: PixelLayout, residual: UnsafePointer<Float>?
  ) {
    let (width, pixels) = (block.geometry.outputSize, rows * block.geometry.outputSize)
    let rowFloats = Bands.rowFloats(block)
    let hidden = scratch.depthwise.pointer
    guard block.project.takesBFloat16Input else {
      block.depthwise.apply(
        input: band, inputRowStride: rowFloats, outputRows: 0..<rows, outputWidth: width,
        output: PixelLayout(compact: hidden, channels: block.hiddenChannels), activation: .relu6)
      block.project.apply(
        input: hidden, pixels: pixels, output: output, residual: residual, activation: .identity)
      return
    }
    UnsafeMutableRawPointer(hidden).withMemoryRebound(
      to: UInt16.self, capacity: scratch.depthwise.count * 2
    ) { halves in
      block.depthwise.apply(
        input: band, inputRowStride: rowFloats, outputRows: 0..<rows, outputWidth: width,
        bfloat16Output: halves, activation: .relu6)
      block.project.apply(
        bfloat16Input: halves, pixels: pixels, output: output, residual: residual,
        activation: .identity)
    }
  }

  /// Writes padded hidden rows `paddedRows` starting at `target`: zero rows above and below the
  /// image, the producer's output inside it.
  private func fill(
    _ block: InvertedResidual, paddedRows: Range<Int>, at target: UnsafeMutablePointer<Float>,
    producer: (Range<Int>, PixelLayout) -> Void
  ) {
    guard !paddedRows.isEmpty else { return }
    let geometry = block.geometry
    let rowFloats = Bands.rowFloats(block)
    let top = geometry.padding.top
    let (start, end) = (paddedRows.lowerBound, paddedRows.upperBound)
    let imageStart = min(max(top, start), end)
    let imageEnd = min(max(top + geometry.inputSize, imageStart), end)
    target.update(repeating: 0, count: (imageStart - start) * rowFloats)
    if imageStart < imageEnd {
      let first = target + (imageStart - start) * rowFloats
      producer(
        (imageStart - top)..<(imageEnd - top),
        PixelLayout(
          base: first + geometry.padding.left * block.hiddenChannels,
          channels: block.hiddenChannels, rowLength: geometry.inputSize, rowStride: rowFloats))
    }
    (target + (imageEnd - start) * rowFloats).update(
      repeating: 0, count: (end - imageEnd) * rowFloats)
  }

  /// Zeroes the left and right padding columns of a band buffer's first `rows` rows for
  /// `block`'s row layout (an earlier block with another layout may have left values there);
  /// producers only write inside them.
  private func zeroColumnPadding(
    _ block: InvertedResidual, band: UnsafeMutablePointer<Float>, rows: Int
  ) {
    let geometry = block.geometry
    let channels = block.hiddenChannels
    let rowFloats = Bands.rowFloats(block)
    let rightStart = (geometry.padding.left + geometry.inputSize) * channels
    for row in 0..<rows {
      let line = band + row * rowFloats
      line.update(repeating: 0, count: geometry.padding.left * channels)
      (line + rightStart).update(repeating: 0, count: rowFloats - rightStart)
    }
  }

  /// The 1×1 head over all pixels (split between the workers), then the average pool.
  private func runHead(into feature: UnsafeMutablePointer<Float>) {
    let network = network
    let frame = frame
    let pixels = network.headSize * network.headSize
    let workers = bands.count
    fork(workers) { worker in
      let share = Self.share(of: pixels, worker: worker, workers: workers, multiple: 8)
      let output = PixelLayout(compact: frame.headOutput.pointer, channels: network.featureCount)
      network.head.apply(
        input: frame.blockInput.pointer + share.lowerBound * network.head.inputChannels,
        pixels: share.count, output: output, firstPixel: share.lowerBound, activation: .relu6)
    }
    globalAveragePool(
      frame.headOutput.pointer, pixels: pixels, channels: network.featureCount, into: feature)
  }

  /// Copies the frame into the interior of the zero-bordered image, normalising raw values.
  private func loadImage(_ source: UnsafePointer<Float>, normalized: Bool) {
    let geometry = network.stemGeometry
    let size = geometry.inputSize
    let rowStride = geometry.paddedWidth * 3
    let scaling = InterleavedNormalization(
      mean: network.normalization.mean, deviation: network.normalization.std)
    for y in 0..<size {
      let row = source + y * size * 3
      let target =
        frame.image.pointer + (y + geometry.padding.top) * rowStride + geometry.padding.left * 3
      if normalized {
        target.update(from: row, count: size * 3)
      } else {
        scaling.apply(row, count: size * 3, into: target)
      }
    }
  }
}
