import NumericCore

/// One worker's activation buffers, sized once for the network and reused for every frame:
/// fresh pages cost more than the arithmetic on the machines Vidi targets.
///
/// Only block inputs and outputs (16 to 320 channels) exist whole. Each block runs in bands of
/// output rows: the expansion computes just the rows of the wide hidden tensor that the band's
/// depthwise window needs, into a small zero-bordered band buffer, and the projection consumes
/// the band at once, so the widest tensors never leave the core's cache. Rows shared by
/// consecutive bands are moved to the top of the band buffer rather than recomputed.
final class Workspace {
  private let network: Network
  private let image: AlignedBuffer
  private let im2col: AlignedBuffer
  private var blockInput: AlignedBuffer
  private var blockOutput: AlignedBuffer
  private let hiddenBand: AlignedBuffer
  private let depthwiseBand: AlignedBuffer
  private let headOutput: AlignedBuffer

  /// Output rows of the stem per im2col pass.
  private static let stemRowsPerPass = 4
  /// Bytes of hidden rows a band aims for: well inside a core's L2 with the band's output.
  private static let bandBytes = 256 * 1024

  init(network: Network) {
    self.network = network
    let stem = network.stemGeometry
    image = AlignedBuffer(count: stem.paddedHeight * stem.paddedWidth * 3)
    im2col = AlignedBuffer(
      count: network.stem.scratchCount(rows: Self.stemRowsPerPass, outputWidth: stem.outputSize))
    var compact = 0
    var hidden = 0
    var depthwise = 0
    for block in network.blocks {
      let geometry = block.geometry
      let rows = Self.bandRows(block)
      hidden = max(hidden, Self.hiddenRows(block, bandRows: rows) * Self.hiddenRowFloats(block))
      depthwise = max(depthwise, rows * geometry.outputSize * block.hiddenChannels)
      compact = max(
        compact, geometry.inputSize * geometry.inputSize * (block.expand?.inputChannels ?? 0))
      compact = max(
        compact, geometry.outputSize * geometry.outputSize * block.project.outputChannels)
    }
    blockInput = AlignedBuffer(count: compact)
    blockOutput = AlignedBuffer(count: compact)
    hiddenBand = AlignedBuffer(count: hidden)
    depthwiseBand = AlignedBuffer(count: depthwise)
    headOutput = AlignedBuffer(count: network.headSize * network.headSize * network.featureCount)
  }

  /// Output rows per band for `block`: as many as fit the byte budget, at least one.
  private static func bandRows(_ block: InvertedResidual) -> Int {
    let geometry = block.geometry
    let budgetRows = bandBytes / (hiddenRowFloats(block) * MemoryLayout<Float>.stride)
    let rows = (budgetRows - geometry.kernelSize) / geometry.stride + 1
    return min(max(rows, 1), geometry.outputSize)
  }

  /// Padded hidden rows a band of `bandRows` output rows reads.
  private static func hiddenRows(_ block: InvertedResidual, bandRows: Int) -> Int {
    (bandRows - 1) * block.geometry.stride + block.geometry.kernelSize
  }

  private static func hiddenRowFloats(_ block: InvertedResidual) -> Int {
    block.geometry.paddedWidth * block.hiddenChannels
  }

  /// Runs one `inputSize × inputSize` RGB frame (NHWC, interleaved) and writes its pooled
  /// feature vector.
  func encode(
    frame: UnsafePointer<Float>, normalized: Bool, feature: UnsafeMutablePointer<Float>
  ) {
    loadImage(frame, normalized: normalized)
    let stemGeometry = network.stemGeometry
    let stemLayer = network.stem
    let image = UnsafePointer(image.pointer)
    let im2col = im2col.pointer
    let stem = { (rows: Range<Int>, output: PixelLayout) in
      stemLayer.apply(
        input: image, inputRowStride: stemGeometry.paddedWidth * 3, outputRows: rows,
        outputWidth: stemGeometry.outputSize, output: output, activation: .relu6,
        scratch: im2col, rowsPerPass: Self.stemRowsPerPass)
    }
    if network.blocks[0].expand == nil {
      run(network.blocks[0], producer: stem)
      swap(&blockInput, &blockOutput)
    } else {
      stem(
        0..<stemGeometry.outputSize,
        PixelLayout(compact: blockInput.pointer, channels: stemLayer.outputChannels))
    }
    for block in network.blocks.dropFirst(network.blocks[0].expand == nil ? 1 : 0) {
      let input = UnsafePointer(blockInput.pointer)
      let width = block.geometry.inputSize
      guard let expand = block.expand else {
        preconditionFailure("only a first block may lack an expansion")
      }
      run(block) { rows, output in
        expand.apply(
          input: input + rows.lowerBound * width * expand.inputChannels,
          pixels: rows.count * width, output: output, activation: .relu6)
      }
      swap(&blockInput, &blockOutput)
    }

    let pixels = network.headSize * network.headSize
    network.head.apply(
      input: blockInput.pointer, pixels: pixels,
      output: PixelLayout(compact: headOutput.pointer, channels: network.featureCount),
      activation: .relu6)
    globalAveragePool(
      headOutput.pointer, pixels: pixels, channels: network.featureCount, into: feature)
  }

  /// Runs `block` band by band from `blockInput` to `blockOutput`; `producer` writes the
  /// hidden (depthwise input) image rows it is asked for into the given layout, whose first
  /// row is the first row asked for.
  private func run(
    _ block: InvertedResidual, producer: (Range<Int>, PixelLayout) -> Void
  ) {
    let geometry = block.geometry
    let channels = block.hiddenChannels
    let rowFloats = Self.hiddenRowFloats(block)
    let bandRows = Self.bandRows(block)
    let band = hiddenBand.pointer
    let outputSize = geometry.outputSize
    let outputChannels = block.project.outputChannels
    zeroColumnPadding(block, rows: Self.hiddenRows(block, bandRows: bandRows))

    // Padded hidden rows held in the band buffer, from its top.
    var held = 0..<0
    for firstRow in stride(from: 0, to: outputSize, by: bandRows) {
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

      block.depthwise.apply(
        input: band, inputRowStride: rowFloats, outputRows: 0..<rows.count,
        outputWidth: outputSize,
        output: PixelLayout(compact: depthwiseBand.pointer, channels: channels),
        activation: .relu6)
      let firstPixel = rows.lowerBound * outputSize
      block.project.apply(
        input: depthwiseBand.pointer, pixels: rows.count * outputSize,
        output: PixelLayout(
          compact: blockOutput.pointer + firstPixel * outputChannels, channels: outputChannels),
        residual: block.residual ? blockInput.pointer + firstPixel * outputChannels : nil,
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
    let rowFloats = Self.hiddenRowFloats(block)
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

  /// Zeroes the left and right padding columns of the band buffer's first `rows` rows for
  /// `block`'s row layout (an earlier block with another layout may have left values there);
  /// producers only write inside them.
  private func zeroColumnPadding(_ block: InvertedResidual, rows: Int) {
    let geometry = block.geometry
    let channels = block.hiddenChannels
    let rowFloats = Self.hiddenRowFloats(block)
    let rightStart = (geometry.padding.left + geometry.inputSize) * channels
    for row in 0..<rows {
      let line = hiddenBand.pointer + row * rowFloats
      line.update(repeating: 0, count: geometry.padding.left * channels)
      (line + rightStart).update(repeating: 0, count: rowFloats - rightStart)
    }
  }

  /// Copies the frame into the interior of the zero-bordered image, normalising raw values.
  private func loadImage(_ frame: UnsafePointer<Float>, normalized: Bool) {
    let geometry = network.stemGeometry
    let size = geometry.inputSize
    let norm = network.normalization
    let rowStride = geometry.paddedWidth * 3
    for y in 0..<size {
      let source = frame + y * size * 3
      let target =
        image.pointer + (y + geometry.padding.top) * rowStride + geometry.padding.left * 3
      if normalized {
        target.update(from: source, count: size * 3)
        continue
      }
      for x in 0..<size {
        for c in 0..<3 {
          target[x * 3 + c] = (source[x * 3 + c] * norm.scale - norm.mean[c]) / norm.std[c]
        }
      }
    }
  }
}
