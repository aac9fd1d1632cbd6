import Foundation
import Testing

@testable import NumericCore

@Suite struct SHA256Tests {
  @Test(arguments: [
    ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
    ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
    (
      "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
    ),
  ])
  func knownAnswers(message: String, digest: String) {
    #expect(SHA256.hexDigest(of: Data(message.utf8)) == digest)
    var portable = SHA256(portable: true)
    portable.update(Data(message.utf8))
    #expect(portable.hexDigest() == digest)
  }

  /// The SHA-extension kernel (where the CPU has it) against the plain code, on lengths around
  /// the block and padding boundaries and on many blocks at once.
  @Test(arguments: [55, 56, 63, 64, 65, 119, 128, 1000, 64 * 1000 + 17])
  func acceleratedAndPortableAgree(count: Int) {
    var random = SplitMix64(seed: UInt64(count))
    let bytes = Data((0..<count).map { _ in UInt8.random(in: 0...255, using: &random) })
    var portable = SHA256(portable: true)
    portable.update(bytes)
    #expect(SHA256.digest(of: bytes) == portable.finalize())
  }

  @Test func chunkedUpdatesEqualOneUpdate() {
    let bytes = Data((0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
    var hasher = SHA256()
    for split in stride(from: 0, to: bytes.count, by: 37) {
      hasher.update(bytes[split..<min(split + 37, bytes.count)])
    }
    #expect(hasher.hexDigest() == SHA256.hexDigest(of: bytes))
    #expect(hasher.finalize() == SHA256.digest(of: bytes))
  }

  @Test func millionAs() {
    let digest = SHA256.hexDigest(of: Data(repeating: UInt8(ascii: "a"), count: 1_000_000))
    #expect(digest == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
  }

  @Test func fileDigestMatchesInMemoryDigest() throws {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("sha-\(UUID()).bin")
    let bytes = Data((0..<(3 << 20)).map { UInt8(truncatingIfNeeded: $0 % 251) })
    try bytes.write(to: url)
    defer { try? FileManager.default.removeItem(at: url) }
    #expect(try SHA256.hexDigest(ofFileAt: url) == SHA256.hexDigest(of: bytes))
  }
}
