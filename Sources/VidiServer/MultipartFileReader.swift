import Foundation

/// Why a multipart/form-data body could not be read.
enum MultipartError: Error, Equatable {
  case noBoundary
  case malformed(String)
  case noFile
}

/// Pulls the first file out of a multipart/form-data body while it streams in, so an upload
/// never has to be whole in memory: `consume` takes the body in any chunking and hands the
/// file's bytes on as soon as they cannot be the start of a boundary.
struct MultipartFileReader {
  private enum State {
    /// Before the first boundary.
    case preamble
    /// Just after a boundary: "--" ends the body, a line break starts a part.
    case afterBoundary
    case headers
    /// Inside a part's content; `keep` for the file part.
    case content(keep: Bool)
    /// After the closing boundary.
    case epilogue
  }

  /// Part headers longer than this are refused rather than buffered.
  static let maxHeaderBytes = 16 * 1024

  /// "\r\n--" and the boundary: what ends every part's content.
  private let delimiter: [UInt8]
  private var pending: [UInt8]
  private var state = State.preamble
  /// The file part's `filename`, once its headers were read.
  private(set) var filename: String?
  /// Whether a whole file part was read.
  private(set) var foundFile = false

  /// Nil when `contentType` is not multipart/form-data with a boundary.
  init?(contentType: String) {
    let fields = contentType.split(separator: ";").map {
      $0.trimmingCharacters(in: .whitespaces)
    }
    guard fields.first?.lowercased() == "multipart/form-data",
      let boundary = fields.dropFirst().compactMap({ Self.parameter("boundary", in: $0) }).first,
      !boundary.isEmpty
    else { return nil }
    delimiter = Array("\r\n--\(boundary)".utf8)
    // The first boundary has no line break before it; one put in front lets the same search
    // find every boundary.
    pending = Array("\r\n".utf8)
  }

  /// Whether `contentType` says multipart/form-data at all (with or without a usable boundary).
  static func isMultipart(_ contentType: String) -> Bool {
    contentType.lowercased().hasPrefix("multipart/form-data")
  }

  /// Reads the next bytes of the body; `emit` receives the file's content in order.
  mutating func consume(
    _ bytes: UnsafeRawBufferPointer, emit: (ArraySlice<UInt8>) throws -> Void
  ) throws {
    if case .epilogue = state { return }
    pending.append(contentsOf: bytes)
    while try step(emit) {}
  }

  /// Throws unless the body held a whole file part.
  func finish() throws(MultipartError) {
    guard foundFile else {
      if case .epilogue = state { throw .noFile }
      throw .malformed("the form ends before its closing boundary")
    }
  }

  /// One state transition; false when more bytes are needed.
  private mutating func step(_ emit: (ArraySlice<UInt8>) throws -> Void) throws -> Bool {
    switch state {
    case .preamble:
      guard let start = Self.find(delimiter, in: pending) else {
        keepTail()
        return false
      }
      pending.removeFirst(start + delimiter.count)
      state = .afterBoundary
    case .afterBoundary:
      guard pending.count >= 2 else { return false }
      if pending[0] == UInt8(ascii: " ") || pending[0] == UInt8(ascii: "\t") {
        pending.removeFirst()
      } else if pending[0] == UInt8(ascii: "-") && pending[1] == UInt8(ascii: "-") {
        pending.removeAll()
        state = .epilogue
        return false
      } else if pending[0] == 13 && pending[1] == 10 {
        pending.removeFirst(2)
        state = .headers
      } else {
        throw MultipartError.malformed("a boundary is followed by neither a line break nor --")
      }
    case .headers:
      let end: Int
      if pending.starts(with: [13, 10]) {
        end = 0
      } else if let found = Self.find(Array("\r\n\r\n".utf8), in: pending) {
        end = found + 2
      } else {
        guard pending.count <= Self.maxHeaderBytes else {
          throw MultipartError.malformed("a part's headers are longer than 16 KiB")
        }
        return false
      }
      let name = Self.filename(inHeaders: String(decoding: pending[..<end], as: UTF8.self))
      pending.removeFirst(end + 2)
      let keep = !foundFile && name != nil
      if keep { filename = name }
      state = .content(keep: keep)
    case .content(let keep):
      if let end = Self.find(delimiter, in: pending) {
        if keep {
          try emit(pending[..<end])
          foundFile = true
        }
        pending.removeFirst(end + delimiter.count)
        state = .afterBoundary
      } else {
        let safe = pending.count - (delimiter.count - 1)
        if safe > 0 {
          if keep { try emit(pending[..<safe]) }
          pending.removeFirst(safe)
        }
        return false
      }
    case .epilogue:
      return false
    }
    return true
  }

  /// Keeps only what could be the start of a boundary split across chunks.
  private mutating func keepTail() {
    let excess = pending.count - (delimiter.count - 1)
    if excess > 0 { pending.removeFirst(excess) }
  }

  /// The `filename` of a part's Content-Disposition header; nil for a plain field.
  static func filename(inHeaders headers: String) -> String? {
    for line in headers.split(separator: "\r\n") {
      let parts = line.split(separator: ":", maxSplits: 1)
      guard parts.count == 2,
        parts[0].trimmingCharacters(in: .whitespaces).lowercased() == "content-disposition"
      else { continue }
      return parts[1].split(separator: ";").compactMap {
        parameter("filename", in: $0.trimmingCharacters(in: .whitespaces))
      }.first
    }
    return nil
  }

  /// The value of `name=value` or `name="value"`, nil for another parameter.
  static func parameter(_ name: String, in field: String) -> String? {
    let pair = field.split(separator: "=", maxSplits: 1)
    guard pair.count == 2, pair[0].trimmingCharacters(in: .whitespaces).lowercased() == name
    else { return nil }
    var value = pair[1].trimmingCharacters(in: .whitespaces)
    if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") {
      value = String(value.dropFirst().dropLast())
    }
    return value
  }

  /// The offset of the first occurrence of `needle` in `haystack`.
  static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
    guard let first = needle.first, haystack.count >= needle.count else { return nil }
    var index = 0
    let last = haystack.count - needle.count
    while index <= last {
      guard let candidate = haystack[index...last].firstIndex(of: first) else { return nil }
      if haystack[candidate..<(candidate + needle.count)].elementsEqual(needle) {
        return candidate
      }
      index = candidate + 1
    }
    return nil
  }
}
