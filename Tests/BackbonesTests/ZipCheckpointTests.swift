import Backbones
import Foundation
import Testing
import ZIPFoundation

@Suite struct ZipCheckpointTests {
  /// The zip layout `torch.save` has written since PyTorch 1.6, with `members` overriding or
  /// (as nil) removing entries.
  static func zipFile(
    _ writer: LegacyCheckpointWriter, members: [String: [UInt8]?] = [:]
  ) throws -> [UInt8] {
    var entries: [(String, [UInt8])] = [
      ("archive/data.pkl", writer.stateDictPickle(legacy: false)),
      ("archive/byteorder", Array("little".utf8)),
    ]
    for (index, tensor) in writer.tensors.enumerated() {
      entries.append(("archive/data/\(index)", writer.storageBytes(tensor)))
    }
    entries.append(("archive/version", Array("3\n".utf8)))
    entries = entries.compactMap { name, bytes in
      guard let override = members[name] else { return (name, bytes) }
      return override.map { (name, $0) }
    }
    let archive = try Archive(data: Data(), accessMode: .create, pathEncoding: nil)
    for (name, bytes) in entries {
      try archive.addEntry(with: name, type: .file, uncompressedSize: Int64(bytes.count)) {
        position, size in Data(bytes[Int(position)..<(Int(position) + size)])
      }
    }
    return [UInt8](try #require(archive.data))
  }

  func reason(_ bytes: [UInt8]) -> CheckpointError.Reason? {
    do {
      _ = try TorchCheckpoint.load(bytes: bytes, source: "sample.pth")
      return nil
    } catch {
      return error.reason
    }
  }

  @Test func readsTheSameTensorsAsTheLegacyFormat() throws {
    let writer = CheckpointReaderTests.sample
    let zipped = try TorchCheckpoint.load(bytes: Self.zipFile(writer), source: "sample.pth")
    let legacy = try TorchCheckpoint.load(bytes: writer.file, source: "sample.pt")
    #expect(zipped.names == legacy.names)
    for name in legacy.names { #expect(zipped[name] == legacy[name]) }
    #expect(zipped["conv.weight"]?.values == [1, 2, 3, 4, 5, 6])
  }

  @Test func missingOrShortStoragesAndOtherArchivesAreReported() throws {
    let writer = CheckpointReaderTests.sample
    #expect(
      reason(try Self.zipFile(writer, members: ["archive/data/1": nil]))
        == .malformed("storage 1 is missing"))
    #expect(
      reason(try Self.zipFile(writer, members: ["archive/data/1": [0, 0, 0, 0]]))
        == .truncated(offset: 4))
    #expect(
      reason(try Self.zipFile(writer, members: ["archive/byteorder": Array("big".utf8)]))
        == .unsupported("big-endian storages"))
    #expect(
      reason(try Self.zipFile(writer, members: ["archive/data.pkl": nil]))
        == .notACheckpoint("zip archive without <name>/data.pkl"))
    let whole = try Self.zipFile(writer)
    #expect(
      reason(Array(whole.prefix(whole.count - 30))) == .malformed("not a readable zip archive"))
  }
}
