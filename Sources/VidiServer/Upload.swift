import Foundation
import Hummingbird

/// Why an upload was refused before any decoding.
enum UploadError: Error {
  case tooLarge(limit: Int)
  case empty
  case form(MultipartError)
  /// The body stopped before its end (the client went away or sent less than it declared).
  case interrupted(String)
  /// The client sent too slowly and was cut off (see `UploadDeadline`).
  case tooSlow(received: Int, seconds: Double)
  case storage(String)
}

/// A request body stored in a temporary file, removed by `remove()`.
struct Upload: Sendable {
  let url: URL
  /// The client's name for the video (a form's filename, `?name=`), never a path on the server.
  let name: String
  /// Bytes of video stored.
  let size: Int

  func remove() {
    unlink(url.path)
  }

  /// Streams `body` into a new file in `directory`: the whole body, or the first file of a
  /// multipart/form-data body. Only one chunk of the body is in memory at a time. Refuses
  /// bodies over `limit` bytes (up front when the client declared its length). `progress`
  /// hears of every chunk as it arrives.
  static func receive(
    _ body: RequestBody, contentType: String?, declaredLength: Int?, name: String?, limit: Int,
    directory: URL, progress: (Int) -> Void = { _ in }
  ) async throws(UploadError) -> Upload {
    if let declaredLength, declaredLength > limit { throw .tooLarge(limit: limit) }
    var form: MultipartFileReader?
    if let contentType, MultipartFileReader.isMultipart(contentType) {
      guard let reader = MultipartFileReader(contentType: contentType) else {
        throw .form(.noBoundary)
      }
      form = reader
    }
    let file = try UploadFile(directory: directory)
    do {
      var received = 0
      for try await buffer in body {
        received += buffer.readableBytes
        progress(buffer.readableBytes)
        guard received <= limit else { throw UploadError.tooLarge(limit: limit) }
        try buffer.withUnsafeReadableBytes { bytes in
          if form != nil {
            try form!.consume(bytes) { try file.write($0) }
          } else {
            try file.write(bytes)
          }
        }
      }
      try form?.finish()
      try file.close()
    } catch {
      file.close(removing: true)
      switch error {
      case let error as UploadError: throw error
      case let error as MultipartError: throw .form(error)
      default: throw .interrupted("\(error)")
      }
    }
    guard file.written > 0 else {
      unlink(file.url.path)
      throw .empty
    }
    let clientName = form?.filename ?? name
    return Upload(
      url: file.url, name: Self.displayName(clientName), size: file.written)
  }

  /// The last path component of the client's name, or "upload".
  static func displayName(_ name: String?) -> String {
    let last = name.map { String($0.split(separator: "/").last ?? "") } ?? ""
    return last.isEmpty ? "upload" : last
  }
}

/// A file only the server's user can read, written with plain `write` calls.
private final class UploadFile {
  let url: URL
  private var descriptor: Int32
  private(set) var written = 0

  init(directory: URL) throws(UploadError) {
    url = directory.appendingPathComponent("upload-\(UUID().uuidString)")
    descriptor = open(url.path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
    guard descriptor >= 0 else {
      throw .storage("cannot create \(url.path): \(String(cString: strerror(errno)))")
    }
  }

  func write(_ bytes: ArraySlice<UInt8>) throws {
    try bytes.withUnsafeBytes { try write($0) }
  }

  func write(_ bytes: UnsafeRawBufferPointer) throws {
    var offset = 0
    while offset < bytes.count {
      let count = Foundation.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
      if count < 0 {
        if errno == EINTR { continue }
        throw UploadError.storage(
          "cannot write \(url.path): \(String(cString: strerror(errno)))")
      }
      offset += count
    }
    written += bytes.count
  }

  func close() throws {
    guard descriptor >= 0 else { return }
    let status = Foundation.close(descriptor)
    descriptor = -1
    if status != 0 {
      throw UploadError.storage("cannot write \(url.path): \(String(cString: strerror(errno)))")
    }
  }

  func close(removing: Bool) {
    try? close()
    if removing { unlink(url.path) }
  }

  deinit {
    if descriptor >= 0 { Foundation.close(descriptor) }
  }
}
