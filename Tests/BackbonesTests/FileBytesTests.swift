import Backbones
import Foundation
import Testing

@Suite struct FileBytesTests {
  @Test(arguments: [0, 1, 4095, 3 * 65536 + 7])
  func readsEveryByteOfTheFile(size: Int) throws {
    try withTemporaryDirectory { directory in
      let url = directory.appendingPathComponent("bytes")
      let bytes = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 8) }
      try Data(bytes).write(to: url)
      #expect(try [UInt8](contentsOfFile: url) == bytes)
    }
  }

  @Test func aMissingFileOrAFolderThrowsThePosixReason() throws {
    try withTemporaryDirectory { directory in
      let missing = #expect(throws: POSIXError.self) {
        try [UInt8](contentsOfFile: directory.appendingPathComponent("absent"))
      }
      #expect(missing?.code == .ENOENT)
      let folder = #expect(throws: POSIXError.self) { try [UInt8](contentsOfFile: directory) }
      #expect(folder?.code == .EISDIR)
    }
  }
}
