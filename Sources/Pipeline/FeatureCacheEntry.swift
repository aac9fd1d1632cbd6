import Foundation
import NumericCore

/// The per-frame features of one clip, as the cache hands them back.
public struct CachedFeatures: Equatable, Sendable {
  /// Rows: one per sampled frame slot, padded slots included.
  public let frameCount: Int
  /// Columns: the backbone's feature width.
  public let dimension: Int
  /// `frameCount × dimension` values, row-major.
  public let values: [Float]
  /// One flag per row: true where the row encodes a real frame, false for padding.
  public let mask: [Bool]
  /// The source frame index each row was decoded from.
  public let frameIndices: [Int]

  public init(frameCount: Int, dimension: Int, values: [Float], mask: [Bool], frameIndices: [Int]) {
    precondition(frameCount >= 0 && dimension >= 0, "negative feature shape")
    precondition(values.count == frameCount * dimension, "values do not fill frames × dimension")
    precondition(mask.count == frameCount && frameIndices.count == frameCount, "one per frame")
    self.frameCount = frameCount
    self.dimension = dimension
    self.values = values
    self.mask = mask
    self.frameIndices = frameIndices
  }

  /// How many rows encode real frames.
  public var validFrameCount: Int { mask.count(where: { $0 }) }

  /// The features of row `frame`.
  public func row(_ frame: Int) -> ArraySlice<Float> {
    values[frame * dimension..<(frame + 1) * dimension]
  }
}

/// The bytes of one cache file:
///
///     "VIDIFEAT" | version: UInt32 LE | header length: UInt32 LE | header JSON
///     | payload: frames × dim binary16 LE | SHA-256 of everything before it (32 bytes)
///
/// The trailing digest covers the header too, so a flipped byte anywhere or a truncated file is
/// caught before any of it is trusted; the header echoes the full key, so an entry can never be
/// served for settings it was not made with.
enum FeatureCacheEntry {
  static let magic = Data("VIDIFEAT".utf8)
  static let version: UInt32 = 1
  private static let digestLength = 32

  private struct Header: Codable {
    var key: CacheKey
    var frameCount: Int
    var dimension: Int
    var mask: [Bool]
    var frameIndices: [Int]
  }

  static func encode(_ features: CachedFeatures, key: CacheKey) throws -> Data {
    let header = Header(
      key: key, frameCount: features.frameCount, dimension: features.dimension,
      mask: features.mask, frameIndices: features.frameIndices)
    let encoder = JSONEncoder()
    encoder.outputFormatting = .sortedKeys
    let headerBytes = try encoder.encode(header)
    var data = magic
    append(version, to: &data)
    append(UInt32(headerBytes.count), to: &data)
    data.append(headerBytes)
    var payload = [UInt8]()
    payload.reserveCapacity(features.values.count * 2)
    for value in features.values {
      let bits = HalfFloat.bits(from: value)
      payload.append(UInt8(truncatingIfNeeded: bits))
      payload.append(UInt8(truncatingIfNeeded: bits >> 8))
    }
    data.append(contentsOf: payload)
    data.append(contentsOf: SHA256.digest(of: data))
    return data
  }

  /// The features in `data` if it is an intact entry for `key`; otherwise the defect found.
  static func decode(_ data: Data, expecting key: CacheKey) -> Result<CachedFeatures, Defect> {
    let bytes = [UInt8](data)
    let prefixLength = magic.count + 8
    guard bytes.count >= prefixLength + digestLength else { return .failure(.truncated) }
    guard bytes.starts(with: magic) else { return .failure(.badMagic) }
    let body = bytes[..<(bytes.count - digestLength)]
    guard SHA256.digest(of: body) == Array(bytes[body.endIndex...]) else {
      return .failure(.checksumMismatch)
    }
    guard readUInt32(bytes, at: magic.count) == version else { return .failure(.unknownVersion) }
    let headerEnd = prefixLength + Int(readUInt32(bytes, at: magic.count + 4))
    guard headerEnd <= body.count,
      let header = try? JSONDecoder().decode(
        Header.self, from: Data(bytes[prefixLength..<headerEnd])),
      header.frameCount >= 0, header.dimension >= 0,
      header.mask.count == header.frameCount, header.frameIndices.count == header.frameCount
    else { return .failure(.malformedHeader) }
    guard header.key == key else { return .failure(.keyMismatch) }
    let count = header.frameCount * header.dimension
    guard body.count - headerEnd == 2 * count else { return .failure(.payloadSize) }
    let values = (0..<count).map { index in
      let low = UInt16(bytes[headerEnd + 2 * index])
      let high = UInt16(bytes[headerEnd + 2 * index + 1])
      return HalfFloat.float(fromBits: low | high << 8)
    }
    return .success(
      CachedFeatures(
        frameCount: header.frameCount, dimension: header.dimension, values: values,
        mask: header.mask, frameIndices: header.frameIndices))
  }

  /// What is wrong with a cache file that is not an intact entry.
  enum Defect: String, Error {
    case truncated = "truncated"
    case badMagic = "not a feature cache entry"
    case checksumMismatch = "checksum mismatch"
    case unknownVersion = "unknown format version"
    case malformedHeader = "malformed header"
    case keyMismatch = "entry belongs to another key"
    case payloadSize = "payload size does not match its header"
  }

  private static func append(_ value: UInt32, to data: inout Data) {
    withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) }
  }

  private static func readUInt32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
    (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[offset + $1]) << (8 * UInt32($1)) }
  }
}
