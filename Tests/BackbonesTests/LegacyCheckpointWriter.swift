/// Writes small PyTorch checkpoints byte by byte, the way `torch.save` lays them out (legacy
/// format here, zip format in `zipFile`), so the reader can be tested on files whose every
/// byte the test controls.
struct LegacyCheckpointWriter {
  struct Tensor {
    var name: String
    var storageType = "FloatStorage"
    var storage: [Float]
    var offset = 0
    var shape: [Int]
    var strides: [Int]
    /// The element count the persistent id claims, when it should differ from the storage's.
    var claimedCount: Int? = nil
  }

  var tensors: [Tensor]

  /// The pickle that holds the state dict, between the header pickles and the storages.
  var stateDictPickle: [UInt8] { stateDictPickle(legacy: true) }

  /// The legacy format's persistent ids carry a sixth element (a storage view, `None`).
  func stateDictPickle(legacy: Bool) -> [UInt8] {
    var p = Pickle()
    p.proto()
    p.global("collections", "OrderedDict")
    p.emptyTuple()
    p.reduce()
    p.mark()
    for (index, tensor) in tensors.enumerated() {
      p.unicode(tensor.name)
      p.global("torch._utils", "_rebuild_tensor_v2")
      p.mark()
      p.mark()
      p.unicode("storage")
      p.global("torch", tensor.storageType)
      p.unicode("\(index)")
      p.unicode("cpu")
      p.int(tensor.claimedCount ?? tensor.storage.count)
      if legacy { p.none() }
      p.tuple()
      p.persistentID()
      p.int(tensor.offset)
      p.intTuple(tensor.shape)
      p.intTuple(tensor.strides)
      p.bytes.append(0x89)  // NEWFALSE: requires_grad
      p.global("collections", "OrderedDict")
      p.emptyTuple()
      p.reduce()
      p.tuple()
      p.reduce()
    }
    p.bytes.append(0x75)  // SETITEMS
    p.stop()
    return p.bytes
  }

  var header: [UInt8] {
    var p = Pickle()
    p.proto()
    p.bytes += [0x8A, 0x0A, 0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19]
    p.stop()
    p.proto()
    p.int(1001)
    p.stop()
    p.proto()
    p.bytes.append(0x7D)  // EMPTY_DICT
    p.mark()
    p.unicode("little_endian")
    p.bytes.append(0x88)  // NEWTRUE
    p.bytes.append(0x75)  // SETITEMS
    p.stop()
    return p.bytes
  }

  /// The raw bytes of one tensor's storage.
  func storageBytes(_ tensor: Tensor) -> [UInt8] {
    tensor.storage.flatMap { value in
      tensor.storageType == "LongStorage"
        ? littleEndian(UInt64(bitPattern: Int64(value))) : littleEndian(value.bitPattern)
    }
  }

  var storages: [UInt8] {
    var p = Pickle()
    p.proto()
    p.bytes.append(0x5D)  // EMPTY_LIST
    p.mark()
    for index in tensors.indices { p.unicode("\(index)") }
    p.bytes.append(0x65)  // APPENDS
    p.stop()
    var bytes = p.bytes
    for tensor in tensors {
      bytes += littleEndian(UInt64(tensor.storage.count))
      bytes += storageBytes(tensor)
    }
    return bytes
  }

  var file: [UInt8] { header + stateDictPickle + storages }
}

func littleEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
  (0..<(T.bitWidth / 8)).map { UInt8(truncatingIfNeeded: value >> ($0 * 8)) }
}

/// Protocol-2 opcodes, as few as a state dict needs.
struct Pickle {
  var bytes: [UInt8] = []

  mutating func proto() { bytes += [0x80, 0x02] }
  mutating func stop() { bytes.append(0x2E) }
  mutating func mark() { bytes.append(0x28) }
  mutating func none() { bytes.append(0x4E) }
  mutating func tuple() { bytes.append(0x74) }
  mutating func emptyTuple() { bytes.append(0x29) }
  mutating func reduce() { bytes.append(0x52) }
  mutating func persistentID() { bytes.append(0x51) }

  mutating func int(_ value: Int) {
    if (0..<256).contains(value) {
      bytes += [0x4B, UInt8(value)]
    } else if let small = Int32(exactly: value) {
      bytes.append(0x4A)
      bytes += littleEndian(small)
    } else {
      bytes += [0x8A, 8]  // LONG1
      bytes += littleEndian(Int64(value))
    }
  }

  mutating func unicode(_ text: String) {
    bytes.append(0x58)
    bytes += littleEndian(UInt32(text.utf8.count))
    bytes += Array(text.utf8)
  }

  mutating func global(_ module: String, _ name: String) {
    bytes.append(0x63)
    bytes += Array("\(module)\n\(name)\n".utf8)
  }

  mutating func intTuple(_ values: [Int]) {
    mark()
    for value in values { int(value) }
    tuple()
  }
}
