import Backbones
import Testing

/// Checkpoints a hostile user might craft: each must end in a `CheckpointError`, never a trap
/// (arithmetic overflow, an impossible allocation) or a stack overflow.
@Suite struct CraftedCheckpointTests {
  func reason(_ bytes: [UInt8]) -> CheckpointError.Reason? {
    do {
      _ = try TorchCheckpoint.load(bytes: bytes, source: "crafted.pt")
      return nil
    } catch {
      return error.reason
    }
  }

  /// The sample checkpoint with its first tensor's view replaced.
  func withView(shape: [Int], strides: [Int], offset: Int = 0) -> LegacyCheckpointWriter {
    var writer = CheckpointReaderTests.sample
    writer.tensors[0].shape = shape
    writer.tensors[0].strides = strides
    writer.tensors[0].offset = offset
    return writer
  }

  func isMalformed(_ reason: CheckpointError.Reason?) -> Bool {
    if case .malformed = reason { return true }
    return false
  }

  @Test(arguments: [
    ([1 << 32, 1 << 32], [1, 1]),
    ([1 << 31, 1 << 31, 4], [0, 0, 0]),
    ([Int.max, 2], [0, 0]),
    ([-3, 2], [1, 1]),
  ])
  func hugeOrNegativeShapesAreRefused(shape: [Int], strides: [Int]) throws {
    let writer = withView(shape: shape, strides: strides)
    #expect(isMalformed(reason(writer.file)))
    #expect(isMalformed(reason(try ZipCheckpointTests.zipFile(writer))))
  }

  @Test func aBroadcastViewOverTheElementBudgetIsRefused() {
    // Stride 0 keeps it inside its storage; only the size of the result is impossible.
    let writer = withView(shape: [1 << 20, 1 << 10], strides: [0, 0])
    #expect(
      reason(writer.file)
        == .malformed(
          "tensor 'conv.weight' has shape [1048576, 1024]: a negative size, or more than the "
            + "268435456 elements a checkpoint may hold"))
  }

  @Test(arguments: [
    ([2, 3], [1 << 62, 1], 0),
    ([2, 3], [Int.max, Int.max], 0),
    ([2, 3], [1, 2], 1 << 62),
    ([2, 3], [1, 2], Int.max),
    ([3], [Int.max / 2], 2),
  ])
  func stridesAndOffsetsThatOverflowReachOutside(shape: [Int], strides: [Int], offset: Int) {
    #expect(
      reason(withView(shape: shape, strides: strides, offset: offset).file)
        == .malformed("tensor 'conv.weight' reaches outside its storage"))
  }

  @Test func aHugeStrideAlongASizeOneDimensionIsHarmless() throws {
    let writer = withView(shape: [1, 3], strides: [Int.max, 2], offset: 2)
    let state = try TorchCheckpoint.load(bytes: writer.file, source: "crafted.pt")
    #expect(state["conv.weight"] == CheckpointTensor(shape: [1, 3], values: [1, 2, 3]))
  }

  @Test func aZipStorageClaimingAnOverflowingCountIsTruncated() throws {
    var writer = CheckpointReaderTests.sample
    writer.tensors[1].claimedCount = 1 << 62
    #expect(reason(try ZipCheckpointTests.zipFile(writer)) == .truncated(offset: 12))
  }

  @Test func aZipWhoseDirectoryPointsPastTheEndIsRefused() throws {
    var bytes = try ZipCheckpointTests.zipFile(CheckpointReaderTests.sample)
    // The end-of-central-directory record's offset of the directory, 16 bytes in.
    let end = try #require(
      (0...(bytes.count - 22)).last { bytes[$0..<$0 + 4].elementsEqual([0x50, 0x4B, 0x05, 0x06]) })
    bytes.replaceSubrange((end + 16)..<(end + 20), with: [0x00, 0xFF, 0xFF, 0x7F])
    // ZIPFoundation's in-memory archive trapped here; the file-backed one finds no entries.
    #expect(reason(bytes) == .notACheckpoint("zip archive without <name>/data.pkl"))
  }

  /// The state dict pickle with `value` as an extra, non-tensor entry.
  func stateDict(withEntry value: [UInt8]) -> [UInt8] {
    let writer = CheckpointReaderTests.sample
    var pickle = writer.stateDictPickle
    let setItems = pickle.count - 2
    #expect(pickle[setItems] == 0x75)
    var entry = Pickle()
    entry.unicode("extra")
    pickle.insert(contentsOf: entry.bytes + value, at: setItems)
    return writer.header + pickle + writer.storages
  }

  @Test func listsNestedAHundredThousandDeepAreReadAndFreed() throws {
    let depth = 100_000
    // EMPTY_LIST × depth, then APPEND × (depth - 1): each list goes into the one below it.
    let nested = [UInt8](repeating: 0x5D, count: depth) + [UInt8](repeating: 0x61, count: depth - 1)
    let state = try TorchCheckpoint.load(bytes: stateDict(withEntry: nested), source: "deep.pt")
    #expect(state.names == ["conv.weight", "bn.bias", "bn.num_batches_tracked"])
  }

  @Test func dictsAndObjectsNestedDeepAreFreedToo() throws {
    let depth = 100_000
    // EMPTY_DICT, then per level: SHORT_BINUNICODE "k", EMPTY_DICT; then SETITEM × depth.
    var dicts: [UInt8] = [0x7D]
    for _ in 0..<depth { dicts += [0x8C, 1, 0x6B, 0x7D] }
    dicts += [UInt8](repeating: 0x73, count: depth)
    _ = try TorchCheckpoint.load(bytes: stateDict(withEntry: dicts), source: "deep.pt")
    // A GLOBAL per level, EMPTY_TUPLE, then per level TUPLE1 and REDUCE: each call's only
    // argument is the object the previous call made.
    let global = [0x63] + Array("m\nf\n".utf8)
    let objects =
      Array([[UInt8]](repeating: global, count: depth).joined()) + [0x29]
      + Array([[UInt8]](repeating: [0x85, 0x52], count: depth).joined())
    _ = try TorchCheckpoint.load(bytes: stateDict(withEntry: objects), source: "deep.pt")
  }

  @Test func tuplesNestedBeyondTheLimitAreRefused() {
    let nested = [0x29] + [UInt8](repeating: 0x85, count: 100_000)
    #expect(
      reason(stateDict(withEntry: nested))
        == .malformed("tuples nested deeper than 100 at byte \(nestedOffset(100))"))
  }

  /// The byte offset of the TUPLE1 that makes the nesting `depth + 1` deep.
  func nestedOffset(_ depth: Int) -> Int {
    let writer = CheckpointReaderTests.sample
    var entry = Pickle()
    entry.unicode("extra")
    return writer.header.count + writer.stateDictPickle.count - 2 + entry.bytes.count + depth
  }

  @Test func aFrameOpcodeAtTheEndIsTruncatedNotATrap() {
    let writer = CheckpointReaderTests.sample
    let file = writer.header + [0x80, 0x04, 0x95, 1, 2]
    #expect(reason(file) == .truncated(offset: file.count))
  }

  @Test func stateDictsNestedWithoutEndAreUnwrappedWithoutRecursion() throws {
    let depth = 100_000
    // Per level: EMPTY_DICT, "state_dict"; then SETITEM × depth around the sample's dict.
    var nested: [UInt8] = []
    var key = Pickle()
    key.unicode("state_dict")
    for _ in 0..<depth { nested += [0x7D] + key.bytes }
    let writer = CheckpointReaderTests.sample
    var pickle = writer.stateDictPickle
    pickle.removeFirst(2)  // PROTO 2: the nested dicts come first
    pickle.removeLast()  // STOP
    let file =
      writer.header + [0x80, 0x02] + nested + pickle
      + [UInt8](repeating: 0x73, count: depth) + [0x2E] + writer.storages
    let state = try TorchCheckpoint.load(bytes: file, source: "nested.pt")
    #expect(state.names == ["conv.weight", "bn.bias", "bn.num_batches_tracked"])
  }
}
