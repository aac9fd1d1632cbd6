import NumericCore

/// Zero padding around an image, in pixels.
struct Padding: Equatable {
  var top: Int
  var left: Int
  var bottom: Int
  var right: Int

  /// PyTorch's `padding = k / 2` on every side.
  static func symmetric(kernelSize: Int) -> Padding {
    let pad = kernelSize / 2
    return Padding(top: pad, left: pad, bottom: pad, right: pad)
  }

  /// TensorFlow's "SAME": the output is `ceil(input / stride)` and any odd padding goes to the
  /// bottom and right. The Lite models compute it once from the configured image size.
  static func tensorFlowSame(input: Int, kernelSize: Int, stride: Int) -> Padding {
    let output = (input + stride - 1) / stride
    let total = max((output - 1) * stride + kernelSize - input, 0)
    return Padding(
      top: total / 2, left: total / 2, bottom: total - total / 2, right: total - total / 2)
  }
}

/// A square image's size before and after a k×k convolution with the given padding.
struct Geometry {
  var inputSize: Int
  var padding: Padding
  var kernelSize: Int
  var stride: Int

  var paddedHeight: Int { inputSize + padding.top + padding.bottom }
  var paddedWidth: Int { inputSize + padding.left + padding.right }
  var outputSize: Int { (paddedHeight - kernelSize) / stride + 1 }
}

/// An inverted-residual (MBConv) block: optional 1×1 expansion with ReLU6, depthwise k×k with
/// ReLU6, linear 1×1 projection, and the skip connection when shapes allow.
struct InvertedResidual: Sendable {
  var expand: PointwiseConvolution?
  var depthwise: DepthwiseConvolution
  var geometry: Geometry
  var project: PointwiseConvolution
  var residual: Bool

  var hiddenChannels: Int { depthwise.channels }
}

/// A MobileNet-family frame encoder with batch norms folded in: stem convolution, blocks,
/// 1×1 head with ReLU6, global average pool, optional classifier.
struct Network: Sendable {
  /// The backbone's input scaling, from its catalog entry.
  var normalization: Normalization
  var stem: Convolution
  var stemGeometry: Geometry
  var blocks: [InvertedResidual]
  var head: PointwiseConvolution
  var classifier: PointwiseConvolution?

  /// The same network with its stem and 1×1 convolutions (expansions, projections, head)
  /// computing in `precision`, except layers whose weights are too large for it. The depthwise
  /// convolutions (a tenth of the work, and no bfloat16 instruction fits them) and the
  /// classifier (a thousandth) stay float32.
  func converted(to precision: Precision) -> Network {
    var result = self
    if Self.fits(stem.largestWeightNorm, precision) { result.stem = stem.converted(to: precision) }
    func convert(_ layer: PointwiseConvolution) -> PointwiseConvolution {
      Self.fits(layer.largestWeightNorm, precision) ? layer.converted(to: precision) : layer
    }
    result.blocks = blocks.map { block in
      var block = block
      block.expand = block.expand.map(convert)
      block.project = convert(block.project)
      return block
    }
    result.head = convert(head)
    return result
  }

  /// Whether a layer whose largest channel weight norm is `norm` keeps its accuracy in
  /// `precision`. Measured on the synthetic frame: MobileNetV2's second expansion (norm 210: a
  /// batch norm with variances near zero folds into weights up to 127 and biases up to 1974
  /// that cancel to ReLU6's 0…6) alone takes the features' cosine from 0.9997 to 0.907 in
  /// bfloat16; every other layer of both backbones has norm at most 33 and costs at most
  /// 0.0001. The limit sits in that gap.
  static func fits(_ norm: Float, _ precision: Precision) -> Bool {
    switch precision {
    case .f32: true
    case .bf16: norm <= 64
    }
  }

  var inputSize: Int { stemGeometry.inputSize }
  var featureCount: Int { head.outputChannels }
  var headSize: Int { blocks.last?.geometry.outputSize ?? stemGeometry.outputSize }

  /// Multiply-adds of one frame, convolutions and classifier.
  var multiplyAdds: Int {
    var total =
      stemGeometry.outputSize * stemGeometry.outputSize * stem.outputChannels
      * stem.inputChannels * stem.kernelSize * stem.kernelSize
    var size = stemGeometry.outputSize
    for block in blocks {
      if let expand = block.expand { total += size * size * expand.multiplyAddsPerPixel }
      size = block.geometry.outputSize
      let taps = block.depthwise.kernelSize * block.depthwise.kernelSize
      total += size * size * (block.hiddenChannels * taps + block.project.multiplyAddsPerPixel)
    }
    total += size * size * head.multiplyAddsPerPixel
    return total + (classifier?.multiplyAddsPerPixel ?? 0)
  }
}

/// Reads conv + batch-norm pairs out of a state dict and folds them.
struct LayerReader {
  let state: StateDict
  let epsilon: Double

  func batchNorm(_ prefix: String, channels: Int) throws(CheckpointError) -> BatchNorm {
    BatchNorm(
      scale: try state.tensor("\(prefix).weight", shape: [channels]).values,
      shift: try state.tensor("\(prefix).bias", shape: [channels]).values,
      mean: try state.tensor("\(prefix).running_mean", shape: [channels]).values,
      variance: try state.tensor("\(prefix).running_var", shape: [channels]).values,
      epsilon: epsilon)
  }

  /// A conv weight of the given OIHW shape, folded with the batch norm after it.
  func folded(_ weight: String, shape: [Int], norm: String) throws(CheckpointError) -> (
    weights: [Float], bias: [Float]
  ) {
    let weights = try state.tensor(weight, shape: shape).values
    return try batchNorm(norm, channels: shape[0]).fold(weights: weights)
  }

  func pointwise(_ weight: String, inputs: Int, outputs: Int, norm: String) throws(CheckpointError)
    -> PointwiseConvolution
  {
    let (weights, bias) = try folded(weight, shape: [outputs, inputs, 1, 1], norm: norm)
    return PointwiseConvolution(
      weights: weights, bias: bias, inputChannels: inputs, outputChannels: outputs)
  }

  func depthwise(_ weight: String, channels: Int, kernelSize: Int, stride: Int, norm: String)
    throws(CheckpointError) -> DepthwiseConvolution
  {
    let (weights, bias) = try folded(
      weight, shape: [channels, 1, kernelSize, kernelSize], norm: norm)
    return DepthwiseConvolution(
      weights: weights, bias: bias, channels: channels, kernelSize: kernelSize, stride: stride)
  }

  func convolution(
    _ weight: String, inputs: Int, outputs: Int, kernelSize: Int, stride: Int, norm: String
  ) throws(CheckpointError) -> Convolution {
    let (weights, bias) = try folded(
      weight, shape: [outputs, inputs, kernelSize, kernelSize], norm: norm)
    return Convolution(
      weights: weights, bias: bias, inputChannels: inputs, outputChannels: outputs,
      kernelSize: kernelSize, stride: stride)
  }
}
