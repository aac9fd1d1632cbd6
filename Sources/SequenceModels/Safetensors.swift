import Foundation

/// One float32 tensor of a safetensors file.
struct NamedTensor: Equatable {
  var name: String
  var shape: [Int]
  var values: [Float]
}

/// The safetensors layout: an 8-byte little-endian header length, a JSON header mapping each
/// name to its dtype, shape and byte range, then the raw little-endian data. Vidi writes only
/// F32, tensors in the given order, the header padded with spaces to 8 bytes.
enum Safetensors {
  static func encode(_ tensors: [NamedTensor]) -> Data {
    var entries: [String] = []
    var offset = 0
    for tensor in tensors {
      let end = offset + tensor.values.count * 4
      entries.append(
        "\(jsonString(tensor.name)):{\"dtype\":\"F32\",\"shape\":["
          + tensor.shape.map(String.init).joined(separator: ",")
          + "],\"data_offsets\":[\(offset),\(end)]}")
      offset = end
    }
    var header = Array(
      ("{\"__metadata__\":{\"format\":\"vidi\"}," + entries.joined(separator: ",") + "}").utf8)
    while header.count % 8 != 0 { header.append(UInt8(ascii: " ")) }
    var data = Data(capacity: 8 + header.count + offset)
    withUnsafeBytes(of: UInt64(header.count).littleEndian) { data.append(contentsOf: $0) }
    data.append(contentsOf: header)
    for tensor in tensors {
      for value in tensor.values {
        withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) }
      }
    }
    return data
  }

  /// The tensors of a safetensors file, by name; throws a one-line reason.
  static func decode(_ data: Data) throws(SafetensorsError) -> [String: NamedTensor] {
    let bytes = [UInt8](data)
    guard bytes.count >= 8 else {
      throw .corrupt("truncated: \(bytes.count) bytes, shorter than the 8-byte header length")
    }
    let headerLength = bytes[0..<8].enumerated().reduce(UInt64(0)) {
      $0 | UInt64($1.element) << (8 * UInt64($1.offset))
    }
    guard headerLength <= UInt64(bytes.count - 8) else {
      throw .corrupt(
        "truncated: header of \(headerLength) bytes but only \(bytes.count - 8) follow")
    }
    let dataStart = 8 + Int(headerLength)
    let header = Data(bytes[8..<dataStart])
    guard let json = try? JSONSerialization.jsonObject(with: header) as? [String: Any] else {
      throw .corrupt("header is not a JSON object")
    }
    let dataLength = bytes.count - dataStart
    var tensors: [String: NamedTensor] = [:]
    for (name, value) in json where name != "__metadata__" {
      guard let entry = value as? [String: Any], let dtype = entry["dtype"] as? String,
        let shape = entry["shape"] as? [Int], let offsets = entry["data_offsets"] as? [Int],
        offsets.count == 2, shape.allSatisfy({ $0 >= 0 })
      else { throw .corrupt("tensor \(name): malformed header entry") }
      guard dtype == "F32" else { throw .corrupt("tensor \(name): dtype \(dtype), expected F32") }
      let (start, end) = (offsets[0], offsets[1])
      guard let count = elementCount(shape), start >= 0, start <= end, end - start == count * 4
      else {
        throw .corrupt("tensor \(name): byte range \(start)..<\(end) does not hold shape \(shape)")
      }
      guard end <= dataLength else {
        throw .corrupt(
          "truncated: tensor \(name) ends at byte \(end) of data but only \(dataLength) present")
      }
      let values = (0..<count).map { i in
        let at = dataStart + start + 4 * i
        let bits =
          UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16
          | UInt32(bytes[at + 3]) << 24
        return Float(bitPattern: bits)
      }
      tensors[name] = NamedTensor(name: name, shape: shape, values: values)
    }
    return tensors
  }

  /// How many elements `shape` holds, or nil when that many float32 bytes do not fit in an
  /// `Int`: a crafted header must get an error, not an overflow trap.
  static func elementCount(_ shape: [Int]) -> Int? {
    var count = 4
    for dimension in shape {
      let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
      guard !overflow else { return nil }
      count = product
    }
    return count / 4
  }

  /// `text` as a JSON string literal.
  private static func jsonString(_ text: String) -> String {
    var escaped = "\""
    for scalar in text.unicodeScalars {
      switch scalar {
      case "\"", "\\": escaped += "\\" + String(scalar)
      case _ where scalar.value < 0x20: escaped += String(format: "\\u%04x", scalar.value)
      default: escaped.unicodeScalars.append(scalar)
      }
    }
    return escaped + "\""
  }
}

/// Why a safetensors file could not be read.
enum SafetensorsError: Error {
  case corrupt(String)
}
