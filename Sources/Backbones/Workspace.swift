import NumericCore

/// One worker's activation buffers, sized once for the network and reused for every frame:
/// fresh pages cost more than the arithmetic on the machines Vidi targets.
///
/// A frame runs layer by layer through five buffers: the zero-bordered normalised image, the
/// block input and output (swapped after each block), the zero-bordered depthwise input that
/// the expansion writes into, and the depthwise output that the projection reads.
final class Workspace {
  private let network: Network
  private let image: AlignedBuffer
  private let im2col: AlignedBuffer
  private var blockInput: AlignedBuffer
  private var blockOutput: AlignedBuffer
  private let expanded: AlignedBuffer
  private let depthwiseOutput: AlignedBuffer
  private let headOutput: AlignedBuffer

  /// Output rows of the stem per im2col pass.
  private static let stemRowsPerPass = 4

  init(network: Network) {
    self.network = network
    let stem = network.stemGeometry
    image = AlignedBuffer(count: stem.paddedHeight * stem.paddedWidth * 3)
    im2col = AlignedBuffer(
      count: network.stem.scratchCount(
        rows: Self.stemRowsPerPass, outputWidth: stem.outputSize))
    var compact = stem.outputSize * stem.outputSize * network.stem.outputChannels
    var padded = 0
    var depthwise = 0
    for block in network.blocks {
      let geometry = block.geometry
      let outputPixels = geometry.outputSize * geometry.outputSize
      padded = max(padded, geometry.paddedHeight * geometry.paddedWidth * block.hiddenChannels)
      depthwise = max(depthwise, outputPixels * block.hiddenChannels)
      compact = max(compact, outputPixels * block.project.outputChannels)
    }
    blockInput = AlignedBuffer(count: compact)
    blockOutput = AlignedBuffer(count: compact)
    expanded = AlignedBuffer(count: padded)
    depthwiseOutput = AlignedBuffer(count: depthwise)
    headOutput = AlignedBuffer(count: network.headSize * network.headSize * network.featureCount)
  }

  /// Runs one `inputSize × inputSize` RGB frame (NHWC, interleaved) and writes its pooled
  /// feature vector.
  func encode(
    frame: UnsafePointer<Float>, normalized: Bool, feature: UnsafeMutablePointer<Float>
  ) {
    loadImage(frame, normalized: normalized)
    let stemGeometry = network.stemGeometry
    let firstBlock = network.blocks[0]
    let stemOutput: PixelLayout
    if firstBlock.expand == nil {
      stemOutput = paddedInterior(for: firstBlock)
    } else {
      stemOutput = PixelLayout(compact: blockInput.pointer, channels: network.stem.outputChannels)
    }
    network.stem.apply(
      input: image.pointer, inputRowStride: stemGeometry.paddedWidth * 3,
      outputRows: 0..<stemGeometry.outputSize, outputWidth: stemGeometry.outputSize,
      output: stemOutput, activation: .relu6, scratch: im2col.pointer,
      rowsPerPass: Self.stemRowsPerPass)

    for block in network.blocks {
      run(block)
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

  private func run(_ block: InvertedResidual) {
    let geometry = block.geometry
    if let expand = block.expand {
      expand.apply(
        input: blockInput.pointer, pixels: geometry.inputSize * geometry.inputSize,
        output: paddedInterior(for: block), activation: .relu6)
    }
    let outputSize = geometry.outputSize
    block.depthwise.apply(
      input: expanded.pointer, inputRowStride: geometry.paddedWidth * block.hiddenChannels,
      outputRows: 0..<outputSize, outputWidth: outputSize,
      output: PixelLayout(compact: depthwiseOutput.pointer, channels: block.hiddenChannels),
      activation: .relu6)
    block.project.apply(
      input: depthwiseOutput.pointer, pixels: outputSize * outputSize,
      output: PixelLayout(compact: blockOutput.pointer, channels: block.project.outputChannels),
      residual: block.residual ? blockInput.pointer : nil, activation: .identity)
  }

  /// Zeroes the border of the depthwise input for `block`'s geometry (an earlier block may
  /// have left values there) and returns the layout of its interior.
  private func paddedInterior(for block: InvertedResidual) -> PixelLayout {
    let geometry = block.geometry
    let channels = block.hiddenChannels
    let rowStride = geometry.paddedWidth * channels
    let base = expanded.pointer
    let (top, left) = (geometry.padding.top, geometry.padding.left)
    let interiorEnd = top + geometry.inputSize
    base.update(repeating: 0, count: top * rowStride)
    (base + interiorEnd * rowStride).update(
      repeating: 0, count: (geometry.paddedHeight - interiorEnd) * rowStride)
    let rightStart = (left + geometry.inputSize) * channels
    for row in top..<interiorEnd {
      let line = base + row * rowStride
      line.update(repeating: 0, count: left * channels)
      (line + rightStart).update(repeating: 0, count: rowStride - rightStart)
    }
    return PixelLayout(
      base: base + top * rowStride + left * channels, channels: channels,
      rowLength: geometry.inputSize, rowStride: rowStride)
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
