import Backbones
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
