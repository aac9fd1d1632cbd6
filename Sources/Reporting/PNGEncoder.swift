import Foundation

/// A small 8-bit RGB image, rows top to bottom, three bytes per pixel.
public struct RGBThumbnail: Sendable, Hashable {
  public var width: Int
  public var height: Int
  /// `width * height * 3` bytes, R G B per pixel.
  public var pixels: [UInt8]

  public init(width: Int, height: Int, pixels: [UInt8]) {
    self.width = width
    self.height = height
    self.pixels = pixels
  }
}

/// Why an image cannot be encoded.
public enum PNGError: Error, Equatable, CustomStringConvertible {
  case invalidSize(width: Int, height: Int)
  case pixelCount(width: Int, height: Int, expected: Int, found: Int)

  public var description: String {
    switch self {
    case .invalidSize(let width, let height):
      "png: image size \(width)x\(height) is not positive"
    case .pixelCount(let width, let height, let expected, let found):
      "png: a \(width)x\(height) RGB image needs \(expected) bytes, found \(found)"
    }
  }
}

/// A minimal PNG writer for report thumbnails.
///
/// Writes truecolour 8-bit images with no row filter and zlib "stored" deflate blocks: no
/// compression, but every decoder reads it and the code stays small enough to trust. Thumbnails
/// are a few kilobytes, so the missing compression costs little in a report.
public enum PNGEncoder {
  /// The eight bytes every PNG file starts with.
  public static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

  /// Largest payload of one stored deflate block (its length field is 16 bits).
  static let maxStoredBlock = 65_535

  /// Encodes the image as a complete PNG file.
  public static func encode(_ image: RGBThumbnail) throws(PNGError) -> [UInt8] {
    guard image.width > 0, image.height > 0 else {
      throw .invalidSize(width: image.width, height: image.height)
    }
    let rowBytes = image.width * 3
    guard image.pixels.count == rowBytes * image.height else {
      throw .pixelCount(
        width: image.width, height: image.height, expected: rowBytes * image.height,
        found: image.pixels.count)
    }
    var scanlines: [UInt8] = []
    scanlines.reserveCapacity((rowBytes + 1) * image.height)
    for row in 0..<image.height {
      scanlines.append(0)  // filter type "None"
      scanlines.append(contentsOf: image.pixels[(row * rowBytes)..<((row + 1) * rowBytes)])
    }

    var header: [UInt8] = []
    header.appendBigEndian(UInt32(image.width))
    header.appendBigEndian(UInt32(image.height))
    header += [8, 2, 0, 0, 0]  // bit depth 8, colour type RGB, deflate, adaptive filters, no interlace

    var file = signature
    file += chunk("IHDR", header)
    file += chunk("IDAT", zlibStored(scanlines))
    file += chunk("IEND", [])
    return file
  }

  /// The image as a `data:` URL for an `<img src>`, so a report needs no side files.
  public static func dataURL(_ image: RGBThumbnail) throws(PNGError) -> String {
    "data:image/png;base64," + Data(try encode(image)).base64EncodedString()
  }

  /// A zlib stream holding `bytes` in uncompressed deflate blocks.
  static func zlibStored(_ bytes: [UInt8]) -> [UInt8] {
    var out: [UInt8] = [0x78, 0x01]  // deflate, 32 KiB window, no dictionary; 0x7801 % 31 == 0
    var start = 0
    repeat {
      let end = min(start + maxStoredBlock, bytes.count)
      let length = UInt16(end - start)
      out.append(end == bytes.count ? 1 : 0)  // BFINAL bit, BTYPE 00 = stored
      out += [UInt8(length & 0xFF), UInt8(length >> 8)]
      out += [UInt8(~length & 0xFF), UInt8(~length >> 8)]
      out += bytes[start..<end]
      start = end
    } while start < bytes.count
    out.appendBigEndian(adler32(bytes))
    return out
  }

  /// One chunk: length, type, data, then the CRC of type and data.
  static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
    var out: [UInt8] = []
    out.appendBigEndian(UInt32(data.count))
    let typeAndData = Array(type.utf8) + data
    out += typeAndData
    out.appendBigEndian(crc32(typeAndData))
    return out
  }

  /// Adler-32 checksum as zlib defines it (RFC 1950).
  public static func adler32(_ bytes: [UInt8]) -> UInt32 {
    var a: UInt32 = 1
    var b: UInt32 = 0
    // 5552 is the largest run for which b cannot overflow 32 bits before the modulo.
    var start = 0
    while start < bytes.count {
      let end = min(start + 5552, bytes.count)
      for byte in bytes[start..<end] {
        a += UInt32(byte)
        b += a
      }
      a %= 65_521
      b %= 65_521
      start = end
    }
    return b << 16 | a
  }

  /// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320) as PNG chunks use it.
  public static func crc32(_ bytes: [UInt8]) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for byte in bytes {
      crc = crcTable[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8)
    }
    return ~crc
  }

  private static let crcTable: [UInt32] = (0..<256).map { n in
    var c = UInt32(n)
    for _ in 0..<8 {
      c = c & 1 == 1 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1
    }
    return c
  }
}

extension Array where Element == UInt8 {
  fileprivate mutating func appendBigEndian(_ value: UInt32) {
    append(contentsOf: [
      UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF),
      UInt8(value & 0xFF),
    ])
  }
}
