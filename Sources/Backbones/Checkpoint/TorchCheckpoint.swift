import Foundation
import ZIPFoundation

/// Reads PyTorch checkpoints (`torch.save` of a state dict) without Python.
///
/// The legacy format (before PyTorch 1.6) is a run of pickles followed by raw storages; the zip
/// format keeps the same state-dict pickle in `<name>/data.pkl` and each storage in
/// `<name>/data/<key>`. Both share the unpickler and the tensor assembly here; only where the
/// storage bytes come from differs.
public enum TorchCheckpoint {
  /// Reads the checkpoint at `url` into its state dict.
  public static func load(contentsOf url: URL) throws(CheckpointError) -> StateDict {
    let bytes: [UInt8]
    do {
      bytes = try [UInt8](contentsOfFile: url)
    } catch {
      throw CheckpointError(file: url.path, reason: .notACheckpoint("cannot be read"))
    }
    return try load(bytes: bytes, source: url.path, file: url)
  }

  /// Reads a checkpoint held in memory; `source` names it in errors.
  public static func load(bytes: [UInt8], source: String) throws(CheckpointError) -> StateDict {
    try load(bytes: bytes, source: source, file: nil)
  }

  /// `file` holds `bytes` when they were read from one.
  private static func load(bytes: [UInt8], source: String, file: URL?) throws(CheckpointError)
    -> StateDict
  {
    do {
      if bytes.starts(with: ZipCheckpoint.magic) {
        return try ZipCheckpoint.read(bytes, file: file, source: source)
      }
      return try LegacyCheckpoint.read(bytes, source: source)
    } catch let error as CheckpointError {
      throw error
    } catch let error as PickleError {
      throw CheckpointError(file: source, reason: error.reason)
    } catch {
      throw CheckpointError(file: source, reason: .malformed("\(error)"))
    }
  }
}

extension PickleError {
  var reason: CheckpointError.Reason {
    switch self {
    case .unknownOpcode(let opcode, let offset): .unknownOpcode(opcode, offset: offset)
    case .truncated(let offset): .truncated(offset: offset)
    case .malformed(let why, let offset): .malformed("\(why) at byte \(offset)")
    }
  }
}

/// The pre-1.6 layout: pickles of the magic number, protocol version, system info, the state
/// dict and the list of storage keys, then per key an 8-byte element count and the raw bytes.
enum LegacyCheckpoint {
  static let magic: [UInt8] = [0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19]
  static let protocolVersion = 1001

  static func read(_ bytes: [UInt8], source: String) throws -> StateDict {
    func fail(_ reason: CheckpointError.Reason) -> CheckpointError {
      CheckpointError(file: source, reason: reason)
    }
    guard bytes.first == 0x80 else { throw fail(.notACheckpoint("does not start with a pickle")) }
    var unpickler = Unpickler(bytes: bytes, persistentLoad: StorageReference.persistentLoad)
    guard case .bigInt(let number) = try unpickler.load(), number == magic else {
      throw fail(.notACheckpoint("no PyTorch magic number"))
    }
    guard case .int(protocolVersion) = try unpickler.load() else {
      throw fail(.unsupported("legacy protocol version other than \(protocolVersion)"))
    }
    guard case .dict(let systemInfo) = try unpickler.load() else {
      throw fail(.malformed("system information is not a dict"))
    }
    if case .bool(false) = systemInfo.value(forKey: "little_endian") {
      throw fail(.unsupported("big-endian storages"))
    }
    let root = try unpickler.load()
    guard case .list(let keyList) = try unpickler.load() else {
      throw fail(.malformed("storage key list is not a list"))
    }

    let named = try StateDictAssembly.namedTensors(in: root, source: source)
    var types: [String: StorageType] = [:]
    for (_, reference) in named { types[reference.storage.key] = reference.storage.dtype }

    var storages: [String: ArraySlice<UInt8>] = [:]
    var position = unpickler.position
    for item in keyList.items {
      guard case .string(let key) = item else { throw fail(.malformed("storage key not a string")) }
      guard position + 8 <= bytes.count else { throw fail(.truncated(offset: bytes.count)) }
      let count = bytes[position..<(position + 8)].reversed().reduce(0) { $0 << 8 | Int($1) }
      position += 8
      guard let dtype = types[key] else {
        throw fail(.malformed("storage \(key) is used by no tensor, its type is unknown"))
      }
      guard count >= 0, count <= (bytes.count - position) / dtype.elementSize else {
        throw fail(.truncated(offset: bytes.count))
      }
      let end = position + count * dtype.elementSize
      storages[key] = bytes[position..<end]
      position = end
    }
    return try StateDictAssembly.stateDict(named, storages: storages, source: source)
  }
}

/// The zip layout of PyTorch 1.6 and later: `<name>/data.pkl` is the state-dict pickle with the
/// same persistent ids, and each storage is the raw file `<name>/data/<key>`.
enum ZipCheckpoint {
  static let magic: [UInt8] = [0x50, 0x4B, 0x03, 0x04]

  /// Reads the archive from `file` (written from `bytes` to a temporary file when there is
  /// none): ZIPFoundation's in-memory archives trap when a damaged directory points past the
  /// end of the data, while its file-backed ones report an error.
  static func read(_ bytes: [UInt8], file: URL?, source: String) throws -> StateDict {
    if let file { return try read(file: file, source: source) }
    let temporary = FileManager.default.temporaryDirectory
      .appendingPathComponent("vidi-checkpoint-\(UUID().uuidString).pth")
    do {
      try Data(bytes).write(to: temporary)
    } catch {
      throw CheckpointError(
        file: source, reason: .notACheckpoint("cannot be staged for reading: \(error)"))
    }
    defer { try? FileManager.default.removeItem(at: temporary) }
    return try read(file: temporary, source: source)
  }

  private static func read(file: URL, source: String) throws -> StateDict {
    func fail(_ reason: CheckpointError.Reason) -> CheckpointError {
      CheckpointError(file: source, reason: reason)
    }
    guard let archive = try? Archive(url: file, accessMode: .read, pathEncoding: nil) else {
      throw fail(.malformed("not a readable zip archive"))
    }
    guard
      let pickle = archive.first(where: {
        $0.path.hasSuffix("/data.pkl") && $0.path.split(separator: "/").count == 2
      })
    else {
      throw fail(.notACheckpoint("zip archive without <name>/data.pkl"))
    }
    let prefix = String(pickle.path.dropLast("data.pkl".count))
    func contents(_ entry: Entry) throws -> [UInt8] {
      var data = Data()
      do {
        _ = try archive.extract(entry) { data.append($0) }
      } catch {
        throw fail(.malformed("cannot extract \(entry.path)"))
      }
      return [UInt8](data)
    }
    if let order = archive[prefix + "byteorder"], try contents(order) == Array("big".utf8) {
      throw fail(.unsupported("big-endian storages"))
    }

    var unpickler = Unpickler(
      bytes: try contents(pickle), persistentLoad: StorageReference.persistentLoad)
    let named = try StateDictAssembly.namedTensors(in: try unpickler.load(), source: source)
    var storages: [String: ArraySlice<UInt8>] = [:]
    for (_, reference) in named where storages[reference.storage.key] == nil {
      let key = reference.storage.key
      guard let entry = archive[prefix + "data/" + key] else {
        throw fail(.malformed("storage \(key) is missing"))
      }
      let raw = try contents(entry)
      let (size, overflow) = reference.storage.count.multipliedReportingOverflow(
        by: reference.storage.dtype.elementSize)
      guard !overflow, raw.count >= size else { throw fail(.truncated(offset: raw.count)) }
      storages[key] = raw[...]
    }
    return try StateDictAssembly.stateDict(named, storages: storages, source: source)
  }
}

/// Turns the unpickled root object and the raw storages into a `StateDict`.
enum StateDictAssembly {
  /// The tensors of the state dict, in order. A full training checkpoint that wraps the
  /// weights in a `state_dict` entry is unwrapped; non-tensor entries are skipped.
  static func namedTensors(in root: PickleValue, source: String) throws
    -> [(String, TensorReference)]
  {
    guard case .dict(var dict) = root else {
      throw CheckpointError(file: source, reason: .malformed("top level is not a dict"))
    }
    // A loop, not recursion: a crafted file may nest `state_dict` entries without end.
    while case .dict(let inner) = dict.value(forKey: "state_dict") { dict = inner }
    return dict.entries.compactMap { entry in
      guard case .string(let name) = entry.key, case .tensor(let tensor) = entry.value else {
        return nil
      }
      return (name, tensor)
    }
  }

  static func stateDict(
    _ named: [(String, TensorReference)], storages: [String: ArraySlice<UInt8>], source: String
  ) throws -> StateDict {
    var decoded: [String: [Float]] = [:]
    var tensors: [(name: String, tensor: CheckpointTensor)] = []
    var elements = 0
    for (name, reference) in named {
      guard let count = elementCount(reference.shape),
        case (let total, let overflow) = elements.addingReportingOverflow(count), !overflow,
        total <= maximumElements
      else {
        throw CheckpointError(
          file: source,
          reason: .malformed(
            "tensor '\(name)' has shape \(reference.shape): a negative size, or more than "
              + "the \(maximumElements) elements a checkpoint may hold"))
      }
      elements = total
      let key = reference.storage.key
      guard let raw = storages[key] else {
        throw CheckpointError(file: source, reason: .malformed("storage \(key) is missing"))
      }
      let values: [Float]?
      if reference.storage.dtype.isNativeFloat {
        values = raw.withUnsafeBytes { gather(reference, from: $0) }
      } else {
        if decoded[key] == nil { decoded[key] = reference.storage.dtype.decode(raw) }
        values = decoded[key]!.withUnsafeBytes { gather(reference, from: $0) }
      }
      guard let values else {
        throw CheckpointError(
          file: source, reason: .malformed("tensor '\(name)' reaches outside its storage"))
      }
      tensors.append((name, CheckpointTensor(shape: reference.shape, values: values)))
    }
    return StateDict(source: source, tensors: tensors)
  }

  /// Elements all tensors of one checkpoint may hold together (1 GiB as `Float`): fifty times
  /// the largest backbone, and a bound on what a crafted shape can make the reader allocate.
  static let maximumElements = 1 << 28

  /// The product of `shape`; nil when a dimension is negative or the product overflows.
  static func elementCount(_ shape: [Int]) -> Int? {
    var count = 1
    for dimension in shape {
      guard dimension >= 0 else { return nil }
      let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
      guard !overflow else { return nil }
      count = product
    }
    return count
  }

  /// The view's elements in row-major order of its shape, read from `storage` (native `Float`s,
  /// at any alignment); nil when the view does not fit inside the storage. The checks use
  /// overflow-reporting arithmetic: shapes and strides come from the file and may be anything.
  static func gather(_ view: TensorReference, from storage: UnsafeRawBufferPointer) -> [Float]? {
    guard let count = elementCount(view.shape), view.offset >= 0 else { return nil }
    if count == 0 { return [] }
    guard view.strides.allSatisfy({ $0 >= 0 }) else { return nil }
    // A dimension of size 1 never moves along its stride, whatever the file says it is.
    let strides = zip(view.shape, view.strides).map { $0 == 1 ? 0 : $1 }
    var last = view.offset
    for (dimension, stride) in zip(view.shape, strides) {
      let (step, overflow) = (dimension - 1).multipliedReportingOverflow(by: stride)
      guard !overflow, case (let sum, let carry) = last.addingReportingOverflow(step), !carry else {
        return nil
      }
      last = sum
    }
    let size = MemoryLayout<Float>.size
    guard last < storage.count / size else { return nil }

    // Size-1 dimensions add nothing to walk; along the innermost of the others each run is
    // one tight strided loop (PyTorch ports of TensorFlow weights store them transposed).
    let axes = zip(view.shape, strides).filter { $0.0 != 1 }.map { (size: $0, stride: $1) }
    if isRowMajor(axes) {
      return [Float](unsafeUninitializedCapacity: count) { result, filled in
        UnsafeMutableRawBufferPointer(result).copyMemory(
          from: UnsafeRawBufferPointer(
            rebasing: storage[(view.offset * size)...].prefix(count * size)))
        filled = count
      }
    }
    let run = axes.last ?? (size: 1, stride: 0)
    let outer = Array(axes.dropLast())
    return [Float](unsafeUninitializedCapacity: count) { result, filled in
      var index = [Int](repeating: 0, count: outer.count)
      var position = view.offset
      for start in stride(from: 0, to: count, by: run.size) {
        for element in 0..<run.size {
          result[start + element] = storage.loadUnaligned(
            fromByteOffset: (position + element * run.stride) * size, as: Float.self)
        }
        var axis = outer.count - 1
        while axis >= 0 {
          index[axis] += 1
          position += outer[axis].stride
          if index[axis] < outer[axis].size { break }
          position -= outer[axis].stride * outer[axis].size
          index[axis] = 0
          axis -= 1
        }
      }
      filled = count
    }
  }

  /// Whether `axes` (sizes above 1, outermost first) lay their elements out one after another.
  private static func isRowMajor(_ axes: [(size: Int, stride: Int)]) -> Bool {
    var expected = 1
    for axis in axes.reversed() {
      guard axis.stride == expected else { return false }
      expected *= axis.size
    }
    return true
  }
}

/// Element types of storages, by PyTorch's legacy storage class names.
enum StorageType: String {
  case float = "FloatStorage"
  case double = "DoubleStorage"
  case half = "HalfStorage"
  case bfloat16 = "BFloat16Storage"
  case long = "LongStorage"
  case int = "IntStorage"
  case short = "ShortStorage"
  case char = "CharStorage"
  case byte = "ByteStorage"
  case bool = "BoolStorage"

  var elementSize: Int {
    switch self {
    case .double, .long: 8
    case .float, .int: 4
    case .half, .bfloat16, .short: 2
    case .char, .byte, .bool: 1
    }
  }

  /// Whether the raw elements are this machine's `Float`s already, so tensors are gathered
  /// straight from the file's bytes: float32 checkpoints on a little-endian CPU, nearly all.
  var isNativeFloat: Bool {
    #if _endian(little)
      self == .float
    #else
      false
    #endif
  }

  /// Little-endian raw elements to `Float`.
  func decode(_ raw: ArraySlice<UInt8>) -> [Float] {
    raw.withUnsafeBytes { buffer in
      (0..<(raw.count / elementSize)).map { element($0 * elementSize, in: buffer) }
    }
  }

  private func element(_ offset: Int, in buffer: UnsafeRawBufferPointer) -> Float {
    func bits<T: FixedWidthInteger>(_: T.Type) -> T {
      T(littleEndian: buffer.loadUnaligned(fromByteOffset: offset, as: T.self))
    }
    switch self {
    case .float: return Float(bitPattern: bits(UInt32.self))
    case .double: return Float(Double(bitPattern: bits(UInt64.self)))
    case .half: return Self.halfToFloat(bits(UInt16.self))
    case .bfloat16: return Float(bitPattern: UInt32(bits(UInt16.self)) << 16)
    case .long: return Float(bits(Int64.self))
    case .int: return Float(bits(Int32.self))
    case .short: return Float(bits(Int16.self))
    case .char: return Float(bits(Int8.self))
    case .byte, .bool: return Float(bits(UInt8.self))
    }
  }

  /// IEEE binary16 to binary32, written out because `Float16` is missing on some platforms.
  static func halfToFloat(_ half: UInt16) -> Float {
    let sign: Float = half & 0x8000 != 0 ? -1 : 1
    let exponent = Int((half >> 10) & 0x1F)
    let fraction = Float(half & 0x3FF)
    switch exponent {
    case 0: return sign * fraction * 0x1p-24
    case 31: return fraction == 0 ? sign * .infinity : .nan
    default:
      return sign * (1 + fraction / 1024)
        * Float(sign: .plus, exponent: exponent - 15, significand: 1)
    }
  }
}

extension StorageReference {
  /// Decodes `('storage', torch.<Type>Storage, key, location, count[, view])`, the persistent
  /// id `torch.save` writes for every storage.
  static func persistentLoad(_ id: PickleValue) throws -> PickleValue {
    guard case .tuple(let parts) = id, parts.count >= 5, case .string("storage") = parts[0],
      case .global(_, let typeName) = parts[1], case .string(let key) = parts[2],
      case .int(let count) = parts[4]
    else {
      throw PersistentIDError(reason: "unexpected persistent id")
    }
    guard let dtype = StorageType(rawValue: typeName) else {
      throw PersistentIDError(reason: "unknown storage type \(typeName)")
    }
    if parts.count > 5, case .tuple = parts[5] {
      throw PersistentIDError(reason: "storage views are not supported")
    }
    return .storage(StorageReference(key: key, dtype: dtype, count: count))
  }
}
