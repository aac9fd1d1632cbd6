import Backbones
import NumericCore
import Testing

@Suite struct SelfTestTests {
  @Test(arguments: BackboneID.allCases)
  func publishedWeightsPass(backbone: BackboneID) throws {
    let encoder = try FrameEncoder(backbone: backbone, checkpoint: TestWeights.url(backbone))
    let result = try BackboneSelfTest.run(encoder)
    #expect(result.passed, "\(result)")
    #expect(result.maxAbsoluteError <= BackboneSelfTest.absoluteTolerance)
    #expect((result.top5 == nil) == (backbone == .mobilenetV2))
  }

  /// bfloat16 meets its own tolerance (cosine 0.999 with the reference, the cat's top-5), on
  /// whole-frame and shared-frame workers alike (three frames on two threads), and stays well
  /// away from float32's.
  @Test(
    .enabled(if: Precision.bf16.isSupported, "this CPU has no AVX512-BF16"),
    arguments: BackboneID.allCases)
  func bfloat16PassesItsTolerance(backbone: BackboneID) throws {
    let encoder = try FrameEncoder(
      backbone: backbone, checkpoint: TestWeights.url(backbone), threads: 2, precision: .bf16)
    #expect(encoder.precision == .bf16)
    let result = try BackboneSelfTest.run(encoder)
    #expect(result.passed, "\(result)")
    #expect(result.precision == .bf16)
    #expect(result.minCosine >= 0.999)
    #expect(result.maxAbsoluteError > BackboneSelfTest.absoluteTolerance)
    let frame = SyntheticFrame.values(size: encoder.inputSize)
    let three = encoder.encode(frames: frame + frame + frame, count: 3, input: .normalized)
    #expect(three.feature(0) == three.feature(1) && three.feature(1) == three.feature(2))
  }

  /// One batch-norm scale nudged by 1 %: the self-test must notice.
  @Test func perturbedWeightsFail() throws {
    let state = try TorchCheckpoint.load(contentsOf: TestWeights.url(.efficientnetLite0))
    let tensors = state.names.map { name in
      let tensor = state[name]!
      guard name == "_blocks.5._bn1.weight" else { return (name: name, tensor: tensor) }
      return (
        name: name,
        tensor: CheckpointTensor(shape: tensor.shape, values: tensor.values.map { $0 * 1.01 })
      )
    }
    let encoder = try FrameEncoder(
      backbone: .efficientnetLite0, stateDict: StateDict(source: state.source, tensors: tensors))
    let result = try BackboneSelfTest.run(encoder)
    #expect(!result.passed)
    #expect(result.maxAbsoluteError > BackboneSelfTest.absoluteTolerance)
  }
}
