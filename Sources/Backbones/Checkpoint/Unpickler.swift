/// A value decoded from a Python pickle, limited to what PyTorch checkpoints contain.
///
/// Lists, dicts and generic objects are reference boxes because pickle mutates them after they
/// are memoised (`APPENDS`, `SETITEMS`, `BUILD`), and every memo reference must see the change.
indirect enum PickleValue {
  case none
  case bool(Bool)
  case int(Int)
  /// An integer too wide for `Int`, as little-endian two's-complement bytes.
  case bigInt([UInt8])
  case float(Double)
  case string(String)
  case bytes([UInt8])
  case tuple([PickleValue])
  case list(PickleList)
  case dict(PickleDict)
  case global(module: String, name: String)
  case object(PickleObject)
  /// What the checkpoint's persistent-load hook turned a persistent id into.
  case storage(StorageReference)
  /// A tensor view rebuilt by `torch._utils._rebuild_tensor_v2`.
  case tensor(TensorReference)
}

final class PickleList {
  var items: [PickleValue] = []

  deinit { PickleValue.release(&items) }
}

/// A dict that keeps insertion order, as `collections.OrderedDict` and Python 3 dicts do.
final class PickleDict {
  private(set) var entries: [(key: PickleValue, value: PickleValue)] = []

  deinit {
    var values = entries.flatMap { [$0.key, $0.value] }
    (entries, positions) = ([], [:])
    PickleValue.release(&values)
  }

  func removeAll() {
    (entries, positions) = ([], [:])
  }

  /// Where each string key sits in `entries`, so a dict of n items is built in O(n).
  private var positions: [String: Int] = [:]

  func set(_ key: PickleValue, _ value: PickleValue) {
    if case .string(let name) = key, let index = positions[name] {
      entries[index].value = value
      return
    }
    if case .string(let name) = key { positions[name] = entries.count }
    entries.append((key, value))
  }

  func value(forKey name: String) -> PickleValue? {
    positions[name].map { entries[$0].value }
  }
}

/// An instance of a class the reader has no special meaning for; kept so unusual entries of a
/// checkpoint do not stop it from reading the tensors.
final class PickleObject {
  fileprivate(set) var callable: PickleValue
  fileprivate(set) var arguments: [PickleValue]
  var state: PickleValue = .none

  init(callable: PickleValue, arguments: [PickleValue]) {
    self.callable = callable
    self.arguments = arguments
  }

  deinit {
    var values = arguments + [callable, state]
    (arguments, callable, state) = ([], .none, .none)
    PickleValue.release(&values)
  }
}

extension PickleValue {
  /// Releases `values` and everything only they hold, one value at a time. Swift frees nested
  /// values recursively, and a crafted pickle nests lists 100 000 deep: that recursion would
  /// overflow the stack. Containers nobody else holds are emptied into the work list first, so
  /// freeing them no longer reaches their contents.
  static func release(_ values: inout [PickleValue]) {
    var pending: [PickleValue] = []
    swap(&pending, &values)
    // No `switch` on the value: it would hold a second reference for the length of the
    // switch, and no container would ever look uniquely held.
    while var value = pending.popLast() {
      if case .tuple(let items) = value {
        pending.append(contentsOf: items)
      } else if var list = value.takeList() {
        guard isKnownUniquelyReferenced(&list) else { continue }
        pending.append(contentsOf: list.items)
        list.items = []
      } else if var dict = value.takeDict() {
        guard isKnownUniquelyReferenced(&dict) else { continue }
        for entry in dict.entries { pending += [entry.key, entry.value] }
        dict.removeAll()
      } else if var object = value.takeObject() {
        guard isKnownUniquelyReferenced(&object) else { continue }
        pending += object.arguments + [object.callable, object.state]
        (object.arguments, object.callable, object.state) = ([], .none, .none)
      }
    }
  }

  // Each moves the reference out and leaves `.none`, so the caller holds the only copy the
  // value had (and `isKnownUniquelyReferenced` can tell whether anyone else holds one).

  private mutating func takeList() -> PickleList? {
    guard case .list(let list) = self else { return nil }
    self = .none
    return list
  }

  private mutating func takeDict() -> PickleDict? {
    guard case .dict(let dict) = self else { return nil }
    self = .none
    return dict
  }

  private mutating func takeObject() -> PickleObject? {
    guard case .object(let object) = self else { return nil }
    self = .none
    return object
  }
}

/// A storage named by a checkpoint: its key in the file, element type and element count.
struct StorageReference {
  var key: String
  var dtype: StorageType
  var count: Int
}

/// A strided view into a storage, in elements.
struct TensorReference {
  var storage: StorageReference
  var offset: Int
  var shape: [Int]
  var strides: [Int]
}

/// Why a persistent-load hook rejected an id; the unpickler adds the byte offset.
struct PersistentIDError: Error {
  let reason: String
}

/// Why a pickle could not be decoded; the checkpoint reader adds the file name.
enum PickleError: Error, Equatable {
  case unknownOpcode(UInt8, offset: Int)
  case truncated(offset: Int)
  case malformed(String, offset: Int)
}

/// A small unpickler for the opcodes of protocols 0-4 that `torch.save` emits.
///
/// It builds values rather than running code: globals become `.global`, and `REDUCE` only
/// gives meaning to the few callables a state dict uses (`OrderedDict`, `_rebuild_tensor_v2`,
/// `_rebuild_parameter`); any other call becomes an inert `.object`.
struct Unpickler {
  private let bytes: [UInt8]
  private(set) var position: Int
  private let persistentLoad: (PickleValue) throws -> PickleValue

  /// Tuples nested deeper than this are refused: state dicts nest two or three, and freeing
  /// a deeper chain would recurse once per level.
  static let maximumTupleDepth = 100

  /// A value on the stack or in the memo, with how many tuples nest directly inside each other
  /// at its top (0 for anything but a tuple). Lists, dicts and objects free their contents
  /// without recursion (`PickleValue.release`), so only tuple chains need a bound.
  private struct Slot {
    var value: PickleValue
    var tupleDepth = 0
  }

  private var stack: [Slot] = []
  private var marks: [Int] = []
  private var memo: [Int: Slot] = [:]

  init(
    bytes: [UInt8], position: Int = 0,
    persistentLoad: @escaping (PickleValue) throws -> PickleValue = { _ in
      throw PersistentIDError(reason: "persistent id without a loader")
    }
  ) {
    self.bytes = bytes
    self.position = position
    self.persistentLoad = persistentLoad
  }

  /// Decodes one pickle (up to its `STOP`) and leaves `position` just after it.
  mutating func load() throws -> PickleValue {
    stack.removeAll()
    marks.removeAll()
    memo.removeAll()
    while true {
      let opcodeOffset = position
      let opcode = try readByte()
      if opcode == Opcode.stop {
        guard let result = stack.popLast()?.value else {
          throw PickleError.malformed("STOP with an empty stack", offset: opcodeOffset)
        }
        return result
      }
      try execute(opcode, at: opcodeOffset)
    }
  }

  // MARK: - Opcodes

  private enum Opcode {
    static let stop: UInt8 = 0x2E  // .
  }

  private mutating func execute(_ opcode: UInt8, at offset: Int) throws {
    switch opcode {
    case 0x80: _ = try readByte()  // PROTO
    case 0x95: _ = try readBytes(8)  // FRAME: a length hint only
    case 0x28: marks.append(stack.count)  // MARK
    case 0x4E: push(.none)  // NONE
    case 0x88: push(.bool(true))  // NEWTRUE
    case 0x89: push(.bool(false))  // NEWFALSE
    case 0x4B: push(.int(Int(try readByte())))  // BININT1
    case 0x4D: push(.int(Int(try readUInt(2))))  // BININT2
    case 0x4A: push(.int(Int(Int32(truncatingIfNeeded: try readUInt(4)))))  // BININT
    case 0x8A: push(try readLong(count: Int(try readByte())))  // LONG1
    case 0x8B: push(try readLong(count: try readLength(4, at: offset)))  // LONG4
    case 0x49: push(try readTextInt(at: offset))  // INT (protocol 0)
    case 0x47: push(.float(Double(bitPattern: try readUInt(8, bigEndian: true))))  // BINFLOAT
    case 0x58: push(.string(try readString(count: try readLength(4, at: offset))))  // BINUNICODE
    case 0x8C: push(.string(try readString(count: Int(try readByte()))))  // SHORT_BINUNICODE
    case 0x8D: push(.string(try readString(count: try readLength(8, at: offset))))  // BINUNICODE8
    case 0x55: push(.bytes(try readBytes(Int(try readByte()))))  // SHORT_BINSTRING
    case 0x54: push(.bytes(try readBytes(try readLength(4, at: offset))))  // BINSTRING
    case 0x43: push(.bytes(try readBytes(Int(try readByte()))))  // SHORT_BINBYTES
    case 0x42: push(.bytes(try readBytes(try readLength(4, at: offset))))  // BINBYTES
    case 0x29: push(.tuple([]), tupleDepth: 1)  // EMPTY_TUPLE
    case 0x85: try pushTuple(try popSlots(1, at: offset), at: offset)  // TUPLE1
    case 0x86: try pushTuple(try popSlots(2, at: offset), at: offset)  // TUPLE2
    case 0x87: try pushTuple(try popSlots(3, at: offset), at: offset)  // TUPLE3
    case 0x74: try pushTuple(try popSlotsToMark(at: offset), at: offset)  // TUPLE
    case 0x5D: push(.list(PickleList()))  // EMPTY_LIST
    case 0x6C:  // LIST
      let list = PickleList()
      list.items = try popToMark(at: offset)
      push(.list(list))
    case 0x61: try append(try pop(1, at: offset), at: offset)  // APPEND
    case 0x65: try append(try popToMark(at: offset), at: offset)  // APPENDS
    case 0x7D: push(.dict(PickleDict()))  // EMPTY_DICT
    case 0x64:  // DICT
      let dict = PickleDict()
      try Self.setItems(dict, try popToMark(at: offset), at: offset)
      push(.dict(dict))
    case 0x73:  // SETITEM
      // Popped first: a call on `self` whose arguments change `self` would copy the whole
      // stack for every item, and a crafted pickle of 100 000 items would never finish.
      let pair = try pop(2, at: offset)
      try Self.setItems(try topDict(below: 0, at: offset), pair, at: offset)
    case 0x75:  // SETITEMS
      let items = try popToMark(at: offset)
      try Self.setItems(try topDict(below: 0, at: offset), items, at: offset)
    case 0x63:  // GLOBAL
      let module = try readLine()
      push(.global(module: module, name: try readLine()))
    case 0x93:  // STACK_GLOBAL
      let parts = try pop(2, at: offset)
      guard case .string(let module) = parts[0], case .string(let name) = parts[1] else {
        throw PickleError.malformed("STACK_GLOBAL needs two strings", offset: offset)
      }
      push(.global(module: module, name: name))
    case 0x52:  // REDUCE
      let parts = try pop(2, at: offset)
      guard case .tuple(let arguments) = parts[1] else {
        throw PickleError.malformed("REDUCE arguments are not a tuple", offset: offset)
      }
      push(try call(parts[0], arguments, at: offset))
    case 0x81:  // NEWOBJ
      let parts = try pop(2, at: offset)
      guard case .tuple(let arguments) = parts[1] else {
        throw PickleError.malformed("NEWOBJ arguments are not a tuple", offset: offset)
      }
      push(.object(PickleObject(callable: parts[0], arguments: arguments)))
    case 0x62:  // BUILD
      let state = try pop(1, at: offset)[0]
      guard let target = stack.last?.value else {
        throw PickleError.malformed("BUILD with an empty stack", offset: offset)
      }
      // OrderedDict's BUILD only attaches `_metadata`, which a reader of tensors can ignore.
      if case .object(let object) = target { object.state = state }
    case 0x51:  // BINPERSID
      do {
        push(try persistentLoad(try pop(1, at: offset)[0]))
      } catch let error as PersistentIDError {
        throw PickleError.malformed(error.reason, offset: offset)
      }
    case 0x71: try memoize(Int(try readByte()), at: offset)  // BINPUT
    case 0x72: try memoize(Int(try readUInt(4)), at: offset)  // LONG_BINPUT
    case 0x94: try memoize(memo.count, at: offset)  // MEMOIZE
    case 0x68: stack.append(try recall(Int(try readByte()), at: offset))  // BINGET
    case 0x6A: stack.append(try recall(Int(try readUInt(4)), at: offset))  // LONG_BINGET
    case 0x30: _ = try pop(1, at: offset)  // POP
    case 0x31: _ = try popToMark(at: offset)  // POP_MARK
    case 0x32:  // DUP
      guard let top = stack.last else {
        throw PickleError.malformed("DUP with an empty stack", offset: offset)
      }
      stack.append(top)
    default:
      throw PickleError.unknownOpcode(opcode, offset: offset)
    }
  }

  /// Gives meaning to the callables a state dict uses; anything else stays an inert object.
  private func call(_ callable: PickleValue, _ arguments: [PickleValue], at offset: Int) throws
    -> PickleValue
  {
    guard case .global(let module, let name) = callable else {
      return .object(PickleObject(callable: callable, arguments: arguments))
    }
    switch (module, name) {
    case ("collections", "OrderedDict"), ("builtins", "dict"), ("__builtin__", "dict"):
      return .dict(PickleDict())
    case ("torch._utils", "_rebuild_tensor_v2"), ("torch._utils", "_rebuild_tensor"):
      return .tensor(try rebuildTensor(arguments, at: offset))
    case ("torch._utils", "_rebuild_parameter"), ("torch._utils", "_rebuild_parameter_with_state"):
      guard let data = arguments.first, case .tensor = data else {
        throw PickleError.malformed("parameter without a tensor", offset: offset)
      }
      return data
    default:
      return .object(PickleObject(callable: callable, arguments: arguments))
    }
  }

  /// `_rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, hooks, ...)`.
  private func rebuildTensor(_ arguments: [PickleValue], at offset: Int) throws -> TensorReference {
    guard arguments.count >= 4, case .storage(let storage) = arguments[0],
      case .int(let storageOffset) = arguments[1],
      let shape = Self.integers(arguments[2]), let strides = Self.integers(arguments[3]),
      shape.count == strides.count
    else {
      throw PickleError.malformed("unexpected tensor arguments", offset: offset)
    }
    return TensorReference(
      storage: storage, offset: storageOffset, shape: shape, strides: strides)
  }

  static func integers(_ value: PickleValue) -> [Int]? {
    guard case .tuple(let items) = value else { return nil }
    var result: [Int] = []
    for item in items {
      guard case .int(let number) = item else { return nil }
      result.append(number)
    }
    return result
  }

  // MARK: - Stack and memo

  private mutating func push(_ value: PickleValue, tupleDepth: Int = 0) {
    stack.append(Slot(value: value, tupleDepth: tupleDepth))
  }

  private mutating func pushTuple(_ items: [Slot], at offset: Int) throws {
    let depth = 1 + (items.map(\.tupleDepth).max() ?? 0)
    guard depth <= Self.maximumTupleDepth else {
      throw PickleError.malformed(
        "tuples nested deeper than \(Self.maximumTupleDepth)", offset: offset)
    }
    push(.tuple(items.map(\.value)), tupleDepth: depth)
  }

  private mutating func pop(_ count: Int, at offset: Int) throws -> [PickleValue] {
    try popSlots(count, at: offset).map(\.value)
  }

  private mutating func popSlots(_ count: Int, at offset: Int) throws -> [Slot] {
    let floor = marks.last ?? 0
    guard stack.count - count >= floor else {
      throw PickleError.malformed("stack underflow", offset: offset)
    }
    let items = Array(stack.suffix(count))
    stack.removeLast(count)
    return items
  }

  private mutating func popToMark(at offset: Int) throws -> [PickleValue] {
    try popSlotsToMark(at: offset).map(\.value)
  }

  private mutating func popSlotsToMark(at offset: Int) throws -> [Slot] {
    guard let mark = marks.popLast() else {
      throw PickleError.malformed("no MARK to pop to", offset: offset)
    }
    let items = Array(stack[mark...])
    stack.removeSubrange(mark...)
    return items
  }

  private mutating func append(_ items: [PickleValue], at offset: Int) throws {
    guard case .list(let list) = stack.last?.value else {
      throw PickleError.malformed("append to something that is not a list", offset: offset)
    }
    list.items.append(contentsOf: items)
  }

  /// The dict that sits `depth` values below the top of the stack.
  private func topDict(below depth: Int, at offset: Int) throws -> PickleDict {
    let index = stack.count - 1 - depth
    guard index >= 0, case .dict(let dict) = stack[index].value else {
      throw PickleError.malformed("set item on something that is not a dict", offset: offset)
    }
    return dict
  }

  private static func setItems(_ dict: PickleDict, _ items: [PickleValue], at offset: Int) throws {
    guard items.count.isMultiple(of: 2) else {
      throw PickleError.malformed("odd number of dict items", offset: offset)
    }
    for pair in stride(from: 0, to: items.count, by: 2) {
      dict.set(items[pair], items[pair + 1])
    }
  }

  private mutating func memoize(_ index: Int, at offset: Int) throws {
    guard let top = stack.last else {
      throw PickleError.malformed("memoize with an empty stack", offset: offset)
    }
    memo[index] = top
  }

  private func recall(_ index: Int, at offset: Int) throws -> Slot {
    guard let value = memo[index] else {
      throw PickleError.malformed("memo entry \(index) is not set", offset: offset)
    }
    return value
  }

  // MARK: - Reading bytes

  private mutating func readByte() throws -> UInt8 {
    guard position < bytes.count else { throw PickleError.truncated(offset: position) }
    defer { position += 1 }
    return bytes[position]
  }

  private mutating func readBytes(_ count: Int) throws -> [UInt8] {
    guard count >= 0, count <= bytes.count - position else {
      throw PickleError.truncated(offset: bytes.count)
    }
    defer { position += count }
    return Array(bytes[position..<(position + count)])
  }

  private mutating func readUInt(_ width: Int, bigEndian: Bool = false) throws -> UInt64 {
    let raw = try readBytes(width)
    let ordered = bigEndian ? raw : raw.reversed()
    return ordered.reduce(0) { $0 << 8 | UInt64($1) }
  }

  private mutating func readLength(_ width: Int, at offset: Int) throws -> Int {
    let length = try readUInt(width)
    guard length <= UInt64(bytes.count) else { throw PickleError.truncated(offset: bytes.count) }
    return Int(length)
  }

  private mutating func readString(count: Int) throws -> String {
    String(decoding: try readBytes(count), as: UTF8.self)
  }

  private mutating func readLine() throws -> String {
    guard let end = bytes[position...].firstIndex(of: 0x0A) else {
      throw PickleError.truncated(offset: bytes.count)
    }
    defer { position = end + 1 }
    return String(decoding: bytes[position..<end], as: UTF8.self)
  }

  private mutating func readTextInt(at offset: Int) throws -> PickleValue {
    let text = try readLine()
    switch text {
    case "00": return .bool(false)
    case "01": return .bool(true)
    default:
      guard let number = Int(text) else {
        throw PickleError.malformed("bad INT literal", offset: offset)
      }
      return .int(number)
    }
  }

  /// Little-endian two's complement, as `LONG1`/`LONG4` store it.
  private mutating func readLong(count: Int) throws -> PickleValue {
    let raw = try readBytes(count)
    guard !raw.isEmpty else { return .int(0) }
    guard raw.count <= 8 else { return .bigInt(raw) }
    let negative = raw.last! & 0x80 != 0
    var value: UInt64 = negative ? ~0 : 0
    for byte in raw.reversed() { value = value << 8 | UInt64(byte) }
    return .int(Int(Int64(bitPattern: value)))
  }
}
