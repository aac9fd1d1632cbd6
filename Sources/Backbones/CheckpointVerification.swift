import Foundation
import NumericCore

/// A checkpoint's bytes, read once and checked against the backbone's pinned SHA-256: what the
/// encoder is built from is exactly what was hashed.
public struct VerifiedCheckpoint: Sendable {
  public let backbone: BackboneID
  public let url: URL
  /// SHA-256 of `bytes`, hex (the pinned digest they were checked against).
  public let sha256: String
  public let bytes: [UInt8]
  /// Whether this load hashed the file; false when the verification record vouched for it.
  public let hashed: Bool

  init(backbone: BackboneID, url: URL, sha256: String, bytes: [UInt8], hashed: Bool) {
    self.backbone = backbone
    self.url = url
    self.sha256 = sha256
    self.bytes = bytes
    self.hashed = hashed
  }

  /// Hashes `bytes` (read from `url`) and checks them against `backbone`'s pinned SHA-256.
  public init(checking bytes: [UInt8], from url: URL, backbone: BackboneID)
    throws(ModelStoreError)
  {
    let expected = backbone.spec.weights.checkpoint.sha256
    let digest = SHA256.hexDigest(of: bytes)
    guard digest == expected else {
      throw .damaged(
        backbone, checkpoint: url, problem: .sha256(expected: expected, actual: digest))
    }
    self.init(backbone: backbone, url: url, sha256: digest, bytes: bytes, hashed: true)
  }
}

/// What identifies one version of a file without reading it: a write changes the modification
/// time, and the change time moves with every write or attribute change (it cannot be set back
/// the way `touch -r` sets the modification time back).
struct FileIdentity: Codable, Equatable, Sendable {
  var device: UInt64
  var inode: UInt64
  var size: Int64
  var modifiedNanoseconds: Int64
  var changedNanoseconds: Int64

  init?(path: String) {
    var info = stat()
    guard stat(path, &info) == 0 else { return nil }
    device = UInt64(info.st_dev)
    inode = UInt64(info.st_ino)
    size = Int64(info.st_size)
    #if canImport(Darwin)
      modifiedNanoseconds =
        Int64(info.st_mtimespec.tv_sec) * 1_000_000_000 + Int64(info.st_mtimespec.tv_nsec)
      changedNanoseconds =
        Int64(info.st_ctimespec.tv_sec) * 1_000_000_000 + Int64(info.st_ctimespec.tv_nsec)
    #else
      modifiedNanoseconds = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
      changedNanoseconds = Int64(info.st_ctim.tv_sec) * 1_000_000_000 + Int64(info.st_ctim.tv_nsec)
    #endif
  }
}

/// The last successful verification of a checkpoint: the digest and the file identity it was
/// computed for. Kept at `<home>/models/.verified-<backbone>.json`.
struct VerificationRecord: Codable, Equatable {
  var sha256: String
  var file: FileIdentity
}

extension ModelStore {
  /// Reads the checkpoint of `id` and checks its bytes against the pinned SHA-256. The full
  /// hash runs the first time and whenever the file's identity (device, inode, size,
  /// modification and change time) differs from the one recorded at the last successful
  /// check; otherwise the record vouches for the bytes, and loading costs no hashing.
  ///
  /// - Throws: `.notFetched`, `.damaged` (size or SHA-256; the record is dropped), or
  ///   `.readFailed`, also when the file changed while it was read.
  public func loadVerified(_ id: BackboneID) throws(ModelStoreError) -> VerifiedCheckpoint {
    try loadVerified(id, trustingRecord: true)
  }

  func loadVerified(_ id: BackboneID, trustingRecord: Bool) throws(ModelStoreError)
    -> VerifiedCheckpoint
  {
    let url = try checkpointURL(for: id)
    let expected = id.spec.weights.checkpoint.sha256
    let before = FileIdentity(path: url.path)
    let bytes: [UInt8]
    do {
      bytes = try [UInt8](contentsOfFile: url)
    } catch {
      throw .readFailed(file: url, reason: systemReason(error))
    }
    guard let identity = FileIdentity(path: url.path), identity == before else {
      throw .readFailed(file: url, reason: "the file changed while it was read; try again")
    }
    let recordURL = verificationRecordURL(for: id)
    if trustingRecord, let record = readRecord(recordURL),
      record == VerificationRecord(sha256: expected, file: identity)
    {
      return VerifiedCheckpoint(
        backbone: id, url: url, sha256: expected, bytes: bytes, hashed: false)
    }
    let digest = SHA256.hexDigest(of: bytes)
    guard digest == expected else {
      try? FileManager.default.removeItem(at: recordURL)
      throw .damaged(id, checkpoint: url, problem: .sha256(expected: expected, actual: digest))
    }
    writeRecord(VerificationRecord(sha256: digest, file: identity), to: recordURL)
    return VerifiedCheckpoint(backbone: id, url: url, sha256: digest, bytes: bytes, hashed: true)
  }

  /// Where the last verification of `id`'s checkpoint is recorded.
  public func verificationRecordURL(for id: BackboneID) -> URL {
    home.appendingPathComponent("models").appendingPathComponent(".verified-\(id.rawValue).json")
  }

  private func readRecord(_ url: URL) -> VerificationRecord? {
    guard let data = try? Data(contentsOf: url) else { return nil }
    return try? JSONDecoder().decode(VerificationRecord.self, from: data)
  }

  /// Writes the record atomically; a store that cannot be written just hashes every time.
  private func writeRecord(_ record: VerificationRecord, to url: URL) {
    guard let data = try? JSONEncoder().encode(record) else { return }
    let temporary = url.deletingLastPathComponent()
      .appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp")
    guard (try? data.write(to: temporary)) != nil else { return }
    if rename(temporary.path, url.path) != 0 {
      try? FileManager.default.removeItem(at: temporary)
    }
  }
}
