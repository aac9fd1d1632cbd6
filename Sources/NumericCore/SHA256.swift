import CKernels
import Foundation

/// SHA-256 (FIPS 180-4), streaming. Verifies downloaded weights against pinned digests and model
/// weights against the digest saved with them, and keys cached features by content; written here
/// because Foundation on Linux has no digest API.
public struct SHA256: Sendable {
  private var state: [UInt32] = [
    0x6a09_e667, 0xbb67_ae85, 0x3c6e_f372, 0xa54f_f53a,
    0x510e_527f, 0x9b05_688c, 0x1f83_d9ab, 0x5be0_cd19,
  ]
  private var pending: [UInt8] = []
  private var length: UInt64 = 0
  /// Whether to run the plain code even where the SHA extensions exist (for tests that
  /// compare the two).
  private let portable: Bool

  public init() { portable = false }

  init(portable: Bool) { self.portable = portable }

  /// Feeds more bytes into the digest.
  public mutating func update(_ bytes: UnsafeRawBufferPointer) {
    length &+= UInt64(bytes.count)
    var rest = bytes[...]
    if !pending.isEmpty {
      let take = min(64 - pending.count, rest.count)
      pending.append(contentsOf: rest.prefix(take))
      rest = rest.dropFirst(take)
      guard pending.count == 64 else { return }
      pending.withUnsafeBytes { compress(blocks: $0) }
      pending.removeAll(keepingCapacity: true)
    }
    let whole = rest.count - rest.count % 64
    compress(blocks: UnsafeRawBufferPointer(rebasing: rest.prefix(whole)))
    pending.append(contentsOf: rest.dropFirst(whole))
  }

  /// Feeds more bytes into the digest.
  public mutating func update<D: DataProtocol>(_ data: D) {
    for region in data.regions { region.withUnsafeBytes { update($0) } }
  }

  /// The 32-byte digest of everything fed so far.
  public func finalize() -> [UInt8] {
    var copy = self
    let bitLength = length &* 8
    var tail: [UInt8] = [0x80]
    tail += [UInt8](repeating: 0, count: (119 - Int(length % 64)) % 64)
    tail += (0..<8).map { UInt8(truncatingIfNeeded: bitLength >> (56 - 8 * UInt64($0))) }
    tail.withUnsafeBytes { copy.update($0) }
    return copy.state.flatMap { word in
      (0..<4).map { UInt8(truncatingIfNeeded: word >> (24 - 8 * $0)) }
    }
  }

  /// The digest as 64 lowercase hex digits.
  public func hexDigest() -> String {
    finalize().map { String(format: "%02x", $0) }.joined()
  }

  /// The 32-byte digest of `data`.
  public static func digest<D: DataProtocol>(of data: D) -> [UInt8] {
    var hasher = SHA256()
    hasher.update(data)
    return hasher.finalize()
  }

  /// The hex digest of `data`.
  public static func hexDigest<D: DataProtocol>(of data: D) -> String {
    var hasher = SHA256()
    hasher.update(data)
    return hasher.hexDigest()
  }

  /// The hex digest of a file's contents, read in chunks so large files need little memory.
  public static func hexDigest(ofFileAt url: URL) throws -> String {
    let handle = try FileHandle(forReadingFrom: url)
    defer { try? handle.close() }
    var hasher = SHA256()
    while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
      hasher.update(chunk)
    }
    return hasher.hexDigest()
  }

  private static let roundConstants: [UInt32] = [
    0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5, 0x3956_c25b, 0x59f1_11f1, 0x923f_82a4,
    0xab1c_5ed5, 0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3, 0x72be_5d74, 0x80de_b1fe,
    0x9bdc_06a7, 0xc19b_f174, 0xe49b_69c1, 0xefbe_4786, 0x0fc1_9dc6, 0x240c_a1cc, 0x2de9_2c6f,
    0x4a74_84aa, 0x5cb0_a9dc, 0x76f9_88da, 0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7,
    0xc6e0_0bf3, 0xd5a7_9147, 0x06ca_6351, 0x1429_2967, 0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc,
    0x5338_0d13, 0x650a_7354, 0x766a_0abb, 0x81c2_c92e, 0x9272_2c85, 0xa2bf_e8a1, 0xa81a_664b,
    0xc24b_8b70, 0xc76c_51a3, 0xd192_e819, 0xd699_0624, 0xf40e_3585, 0x106a_a070, 0x19a4_c116,
    0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5, 0x391c_0cb3, 0x4ed8_aa4a, 0x5b9c_ca4f, 0x682e_6ff3,
    0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208, 0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7,
    0xc671_78f2,
  ]

  /// Asked once: the answer cannot change while the process runs.
  static let accelerated = vidi_sha256_accelerated()

  /// Runs the compression function over `bytes`, a whole number of 64-byte blocks: hashing
  /// every clip of a dataset for its cache key must stay far below the cost of decoding it, so
  /// CPUs with the SHA extensions use them (CKernels), and others the plain code.
  private mutating func compress(blocks bytes: UnsafeRawBufferPointer) {
    guard bytes.count >= 64 else { return }
    guard Self.accelerated, !portable else {
      compressPortably(blocks: bytes)
      return
    }
    Self.roundConstants.withUnsafeBufferPointer { constants in
      state.withUnsafeMutableBufferPointer { words in
        vidi_sha256_blocks(
          words.baseAddress!, bytes.baseAddress!.assumingMemoryBound(to: UInt8.self),
          bytes.count / 64, constants.baseAddress!)
      }
    }
  }

  /// The compression function in plain code. The message schedule lives on the stack and the
  /// working state in locals.
  private mutating func compressPortably(blocks bytes: UnsafeRawBufferPointer) {
    var digest = (state[0], state[1], state[2], state[3], state[4], state[5], state[6], state[7])
    Self.roundConstants.withUnsafeBufferPointer { k in
      withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 64) { w in
        for offset in stride(from: 0, to: bytes.count - 63, by: 64) {
          for i in 0..<16 {
            w[i] = UInt32(
              bigEndian: bytes.loadUnaligned(fromByteOffset: offset + 4 * i, as: UInt32.self))
          }
          for i in 16..<64 {
            let s0 = rotate(w[i - 15], 7) ^ rotate(w[i - 15], 18) ^ (w[i - 15] >> 3)
            let s1 = rotate(w[i - 2], 17) ^ rotate(w[i - 2], 19) ^ (w[i - 2] >> 10)
            w[i] = w[i - 16] &+ s0 &+ w[i - 7] &+ s1
          }
          var (a, b, c, d, e, f, g, h) = digest
          for i in 0..<64 {
            let s1 = rotate(e, 6) ^ rotate(e, 11) ^ rotate(e, 25)
            let choice = (e & f) ^ (~e & g)
            let t1 = h &+ s1 &+ choice &+ k[i] &+ w[i]
            let s0 = rotate(a, 2) ^ rotate(a, 13) ^ rotate(a, 22)
            let majority = (a & b) ^ (a & c) ^ (b & c)
            let t2 = s0 &+ majority
            (h, g, f, e, d, c, b, a) = (g, f, e, d &+ t1, c, b, a, t1 &+ t2)
          }
          digest = (
            digest.0 &+ a, digest.1 &+ b, digest.2 &+ c, digest.3 &+ d, digest.4 &+ e,
            digest.5 &+ f, digest.6 &+ g, digest.7 &+ h
          )
        }
      }
    }
    state = [digest.0, digest.1, digest.2, digest.3, digest.4, digest.5, digest.6, digest.7]
  }

  private func rotate(_ x: UInt32, _ n: UInt32) -> UInt32 { (x >> n) | (x << (32 - n)) }
}
