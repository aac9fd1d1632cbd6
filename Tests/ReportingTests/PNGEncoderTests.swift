import Foundation
import Reporting
import Testing

@Suite struct PNGEncoderTests {
  @Test func checksumsMatchPublishedValues() {
    #expect(PNGEncoder.crc32(Array("123456789".utf8)) == 0xCBF4_3926)
    #expect(PNGEncoder.crc32(Array("IEND".utf8)) == 0xAE42_6082)
    #expect(PNGEncoder.adler32(Array("Wikipedia".utf8)) == 0x11E6_0398)
    #expect(PNGEncoder.adler32([]) == 1)
    // Long enough to need the periodic modulo inside Adler-32.
    let ones = [UInt8](repeating: 255, count: 100_000)
    #expect(PNGEncoder.adler32(ones) == reference(adler32: ones))
  }

  @Test func fileHasValidChunksWithCorrectCRCs() throws {
    let png = try PNGEncoder.encode(Self.gradient(width: 5, height: 3))
    #expect(Array(png.prefix(8)) == PNGEncoder.signature)
    let chunks = try Self.chunks(png)
    #expect(chunks.map(\.type) == ["IHDR", "IDAT", "IEND"])
    #expect(chunks[0].data == [0, 0, 0, 5, 0, 0, 0, 3, 8, 2, 0, 0, 0])
    #expect(chunks.allSatisfy { $0.crcMatches })
    // zlib header, then one final stored block of 3 rows × (1 filter byte + 15 pixel bytes).
    let idat = chunks[1].data
    #expect(Array(idat.prefix(3)) == [0x78, 0x01, 0x01])
    #expect(Int(idat[3]) | Int(idat[4]) << 8 == 48)
  }

  @Test(arguments: [(7, 5), (200, 120)])
  func ffmpegDecodesTheExactPixels(width: Int, height: Int) throws {
    // 200×120 needs two stored deflate blocks, exercising the block split.
    let image = Self.gradient(width: width, height: height)
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
      "vidi-png-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let file = dir.appendingPathComponent("t.png")
    try Data(try PNGEncoder.encode(image)).write(to: file)

    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [
      "ffmpeg", "-v", "error", "-i", file.path, "-f", "rawvideo", "-pix_fmt", "rgb24", "-",
    ]
    // A file, not a pipe: Foundation's pipe read traps on EINTR, which other tests' child
    // processes can cause.
    let raw = dir.appendingPathComponent("t.rgb")
    FileManager.default.createFile(atPath: raw.path, contents: nil)
    let output = try FileHandle(forWritingTo: raw)
    defer { try? output.close() }
    process.standardOutput = output
    try process.run()
    process.waitUntilExit()
    let decoded = try Data(contentsOf: raw)
    #expect(process.terminationStatus == 0)
    #expect([UInt8](decoded) == image.pixels)
  }

  @Test func dataURLIsBase64OfTheFile() throws {
    let image = Self.gradient(width: 2, height: 2)
    let url = try PNGEncoder.dataURL(image)
    #expect(url.hasPrefix("data:image/png;base64,"))
    let payload = try #require(
      Data(base64Encoded: String(url.dropFirst("data:image/png;base64,".count))))
    #expect([UInt8](payload) == (try PNGEncoder.encode(image)))
  }

  @Test func wrongSizesAreRejected() {
    #expect(throws: PNGError.pixelCount(width: 2, height: 2, expected: 12, found: 11)) {
      try PNGEncoder.encode(
        RGBThumbnail(width: 2, height: 2, pixels: Array(repeating: 0, count: 11)))
    }
    #expect(throws: PNGError.invalidSize(width: 0, height: 4)) {
      try PNGEncoder.encode(RGBThumbnail(width: 0, height: 4, pixels: []))
    }
  }

  static func gradient(width: Int, height: Int) -> RGBThumbnail {
    var pixels: [UInt8] = []
    for y in 0..<height {
      for x in 0..<width {
        pixels += [
          UInt8(x * 255 / max(width - 1, 1)), UInt8(y * 255 / max(height - 1, 1)),
          UInt8((x * 7 + y * 13) % 256),
        ]
      }
    }
    return RGBThumbnail(width: width, height: height, pixels: pixels)
  }

  struct Chunk {
    var type: String
    var data: [UInt8]
    var crcMatches: Bool
  }

  static func chunks(_ png: [UInt8]) throws -> [Chunk] {
    func u32(_ at: Int) -> UInt32 { png[at..<(at + 4)].reduce(0) { $0 << 8 | UInt32($1) } }
    var chunks: [Chunk] = []
    var offset = 8
    while offset < png.count {
      let length = Int(u32(offset))
      try #require(offset + 12 + length <= png.count)
      let typeAndData = Array(png[(offset + 4)..<(offset + 8 + length)])
      chunks.append(
        Chunk(
          type: String(decoding: typeAndData.prefix(4), as: UTF8.self),
          data: Array(typeAndData.dropFirst(4)),
          crcMatches: PNGEncoder.crc32(typeAndData) == u32(offset + 8 + length)))
      offset += 12 + length
    }
    return chunks
  }
}

/// Adler-32 straight from its definition, with the modulo at every step.
private func reference(adler32 bytes: [UInt8]) -> UInt32 {
  var a: UInt32 = 1
  var b: UInt32 = 0
  for byte in bytes {
    a = (a + UInt32(byte)) % 65_521
    b = (b + a) % 65_521
  }
  return b << 16 | a
}
