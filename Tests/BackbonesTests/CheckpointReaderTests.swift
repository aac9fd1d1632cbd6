import Backbones
import Testing

@Suite struct CheckpointReaderTests {
  /// A 2×3 view stored transposed (strides 1, 2) behind two unused leading elements, a
  /// contiguous vector and a 0-d int64, like `num_batches_tracked`.
  static let sample = LegacyCheckpointWriter(tensors: [
    .init(
      name: "conv.weight", storage: [9, 9, 1, 4, 2, 5, 3, 6], offset: 2, shape: [2, 3],
      strides: [1, 2]),
    .init(name: "bn.bias", storage: [0.5, -1.5, 2.25], shape: [3], strides: [1]),
    .init(
      name: "bn.num_batches_tracked", storageType: "LongStorage", storage: [7], shape: [],
      strides: []),
  ])

  func read(_ bytes: [UInt8]) throws(CheckpointError) -> StateDict {
    try TorchCheckpoint.load(bytes: bytes, source: "sample.pt")
  }

  func reason(_ bytes: [UInt8]) -> CheckpointError.Reason? {
    do {
      _ = try read(bytes)
      return nil
    } catch {
      return error.reason
    }
  }

  @Test func readsTensorsInFileOrderHonouringOffsetAndStrides() throws {
    let state = try read(Self.sample.file)
    #expect(state.names == ["conv.weight", "bn.bias", "bn.num_batches_tracked"])
    #expect(state["conv.weight"] == CheckpointTensor(shape: [2, 3], values: [1, 2, 3, 4, 5, 6]))
    #expect(state["bn.bias"]?.values == [0.5, -1.5, 2.25])
    #expect(state["bn.num_batches_tracked"] == CheckpointTensor(shape: [], values: [7]))
  }

  /// Each view reads its own elements whatever its layout: row-major, with a gap after each
  /// row, transposed (as ports of TensorFlow weights are stored), strided, or with a size-1
  /// dimension whose stride is anything.
  @Test(arguments: [
    ([2, 3], [3, 1], [3, 4, 5, 6, 7, 8]),
    ([2, 1, 3], [3, 99, 1], [3, 4, 5, 6, 7, 8]),
    ([2, 3], [4, 1], [3, 4, 5, 7, 8, 9]),
    ([2, 3], [1, 2], [3, 5, 7, 4, 6, 8]),
    ([3], [2], [3, 5, 7]),
    ([2, 2, 2], [1, 4, 2], [3, 5, 7, 9, 4, 6, 8, 10]),
  ])
  func viewsBehindAnOffsetReadTheirOwnElements(shape: [Int], strides: [Int], expected: [Float])
    throws
  {
    let storage: [Float] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]
    let writer = LegacyCheckpointWriter(tensors: [
      .init(name: "w", storage: storage, offset: 3, shape: shape, strides: strides)
    ])
    #expect(try read(writer.file)["w"] == CheckpointTensor(shape: shape, values: expected))
  }

  @Test func unknownOpcodeIsNamedWithItsOffset() {
    var file = Self.sample.file
    let offset = Self.sample.header.count + 2
    file[offset] = 0xF0
    #expect(reason(file) == .unknownOpcode(0xF0, offset: offset))
    #expect(
      CheckpointError(file: "sample.pt", reason: .unknownOpcode(0xF0, offset: offset)).description
        == "sample.pt: unknown pickle opcode 0xf0 at byte \(offset)")
  }

  @Test(arguments: [10, 40, 150, 400, -5])
  func truncatedFilesAreReported(cut: Int) {
    let file = Self.sample.file
    let length = cut < 0 ? file.count + cut : cut
    #expect(reason(Array(file.prefix(length))) == .truncated(offset: length))
  }

  @Test func missingKeyAndWrongShapeNameTheTensor() throws {
    let state = try read(Self.sample.file)
    #expect(throws: CheckpointError(file: "sample.pt", reason: .missingKey("fc.weight"))) {
      try state.tensor("fc.weight", shape: [3])
    }
    let wrong = CheckpointError(
      file: "sample.pt", reason: .wrongShape(key: "bn.bias", expected: [4], found: [3]))
    #expect(throws: wrong) { try state.tensor("bn.bias", shape: [4]) }
    #expect(wrong.description == "sample.pt: tensor 'bn.bias' has shape [3], expected [4]")
    #expect(try state.tensor("bn.bias", shape: [3]).values.count == 3)
  }

  @Test func viewReachingOutsideItsStorageIsRejected() {
    var writer = Self.sample
    writer.tensors[1].shape = [4]
    #expect(reason(writer.file) == .malformed("tensor 'bn.bias' reaches outside its storage"))
  }

  @Test func otherFilesAreNotCheckpoints() {
    #expect(reason(Array("hello, world".utf8)) == .notACheckpoint("does not start with a pickle"))
    var pickle = Pickle()
    pickle.proto()
    pickle.int(5)
    pickle.stop()
    #expect(reason(pickle.bytes) == .notACheckpoint("no PyTorch magic number"))
  }

  /// Reference values from an independent reader (Python `pickle` + NumPy `as_strided`).
  @Test(arguments: [
    (
      BackboneID.efficientnetLite0, 296, "_conv_stem.weight", [32, 3, 3, 3],
      [-1.1103360652923584, -1.3087704181671143, -0.010156914591789246], -26.811376610887237
    ),
    (
      BackboneID.efficientnetLite0, 296, "_fc.weight", [1000, 1280],
      [-0.04561043530702591, -0.09470871090888977, -0.05684146657586098], -470.63256730128705
    ),
    (
      BackboneID.mobilenetV2, 312, "features.0.0.weight", [32, 3, 3, 3],
      [0.04443661496043205, -0.03390669450163841, -0.13749441504478455], -3.6929313134851327
    ),
  ])
  func readsPublishedCheckpoints(
    backbone: BackboneID, count: Int, name: String, shape: [Int], first: [Double], sum: Double
  ) throws {
    let state = try TorchCheckpoint.load(contentsOf: TestWeights.url(backbone))
    #expect(state.count == count)
    let tensor = try state.tensor(name, shape: shape)
    #expect(tensor.values.prefix(3).map(Double.init) == first)
    let total = tensor.values.reduce(0.0) { $0 + Double($1) }
    #expect(abs(total - sum) < 1e-9 * Double(tensor.values.count))
  }
}
