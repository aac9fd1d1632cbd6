/// One tensor of a checkpoint: its logical shape and its values as `Float` in row-major order
/// of that shape, whatever layout and element type the file stored.
public struct CheckpointTensor: Sendable, Equatable {
  public let shape: [Int]
  public let values: [Float]

  public init(shape: [Int], values: [Float]) {
    precondition(shape.reduce(1, *) == values.count, "shape does not match the value count")
    self.shape = shape
    self.values = values
  }
}

/// The named tensors of a checkpoint, in the order the file lists them.
public struct StateDict: Sendable {
  /// Where the tensors came from (a path), named in errors.
  public let source: String
  /// Tensor names in file order.
  public let names: [String]
  private let tensors: [String: CheckpointTensor]

  public init(source: String, tensors: [(name: String, tensor: CheckpointTensor)]) {
    self.source = source
    names = tensors.map(\.name)
    self.tensors = Dictionary(tensors, uniquingKeysWith: { _, last in last })
  }

  public var count: Int { names.count }

  public subscript(name: String) -> CheckpointTensor? { tensors[name] }

  /// The tensor called `name`, which must have exactly `shape`.
  public func tensor(_ name: String, shape: [Int]) throws(CheckpointError) -> CheckpointTensor {
    guard let tensor = tensors[name] else {
      throw CheckpointError(file: source, reason: .missingKey(name))
    }
    guard tensor.shape == shape else {
      throw CheckpointError(
        file: source, reason: .wrongShape(key: name, expected: shape, found: tensor.shape))
    }
    return tensor
  }
}

/// Why a checkpoint could not be read or does not fit the network asked of it.
public struct CheckpointError: Error, Equatable, CustomStringConvertible {
  public enum Reason: Equatable, Sendable {
    case unknownOpcode(UInt8, offset: Int)
    case truncated(offset: Int)
    case notACheckpoint(String)
    case unsupported(String)
    case malformed(String)
    case missingKey(String)
    case wrongShape(key: String, expected: [Int], found: [Int])
  }

  public let file: String
  public let reason: Reason

  public init(file: String, reason: Reason) {
    self.file = file
    self.reason = reason
  }

  public var description: String {
    let text: String
    switch reason {
    case .unknownOpcode(let opcode, let offset):
      let hex = String(opcode, radix: 16, uppercase: false)
      text = "unknown pickle opcode 0x\(hex.count < 2 ? "0" + hex : hex) at byte \(offset)"
    case .truncated(let offset): text = "file is truncated (data ends at byte \(offset))"
    case .notACheckpoint(let why): text = "not a PyTorch checkpoint: \(why)"
    case .unsupported(let what): text = "unsupported checkpoint feature: \(what)"
    case .malformed(let why): text = "malformed checkpoint: \(why)"
    case .missingKey(let key): text = "missing tensor '\(key)'"
    case .wrongShape(let key, let expected, let found):
      text = "tensor '\(key)' has shape \(found), expected \(expected)"
    }
    return "\(file): \(text)"
  }
}
