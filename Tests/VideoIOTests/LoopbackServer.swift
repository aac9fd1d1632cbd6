import Foundation

#if canImport(Glibc)
  import Glibc
#else
  import Darwin
#endif

/// A one-file HTTP server on 127.0.0.1, for reading a stream over a real socket without a
/// network. Each connection gets the whole body, sent in chunks at `bytesPerSecond` (as fast as
/// possible when nil), then stalls forever when `stallAfter` bytes are sent.
final class LoopbackHTTPServer: @unchecked Sendable {
  let port: UInt16
  private let listener: Int32
  private let body: [UInt8]
  private let bytesPerSecond: Double?
  private let stallAfter: Int?
  private let lock = NSLock()
  /// Guarded by `lock`.
  private var closed = false

  var url: String { "http://127.0.0.1:\(port)/clip.ts" }

  init(body: [UInt8], bytesPerSecond: Double? = nil, stallAfter: Int? = nil) throws {
    self.body = body
    self.bytesPerSecond = bytesPerSecond
    self.stallAfter = stallAfter
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
      pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
        bind(fd, socketAddress, length) == 0 && listen(fd, 4) == 0
          && getsockname(fd, socketAddress, &length) == 0
      }
    }
    guard bound else {
      close(fd)
      throw POSIXError(.EADDRNOTAVAIL)
    }
    listener = fd
    port = UInt16(bigEndian: address.sin_port)
    let server = self
    Thread { server.acceptLoop() }.start()
  }

  deinit { shutDown() }

  /// Stops accepting and ends stalled connections.
  func shutDown() {
    let wasClosed = lock.withLock {
      defer { closed = true }
      return closed
    }
    if !wasClosed {
      shutdown(listener, Int32(SHUT_RDWR))
      close(listener)
    }
  }

  private var isClosed: Bool { lock.withLock { closed } }

  private func acceptLoop() {
    while !isClosed {
      let connection = accept(listener, nil, nil)
      guard connection >= 0 else { return }
      let server = self
      Thread { server.serve(connection) }.start()
    }
  }

  private func serve(_ connection: Int32) {
    defer { close(connection) }
    var request = [UInt8]()
    var buffer = [UInt8](repeating: 0, count: 4096)
    while !request.ends(with: Array("\r\n\r\n".utf8)) {
      let count = recv(connection, &buffer, buffer.count, 0)
      guard count > 0 else { return }
      request += buffer[0..<count]
    }
    let header =
      "HTTP/1.1 200 OK\r\nContent-Type: video/mp2t\r\nContent-Length: \(body.count)\r\n"
      + "Connection: close\r\n\r\n"
    guard sendAll(connection, Array(header.utf8)) else { return }
    let chunk = 4096
    var sent = 0
    while sent < body.count {
      if let stallAfter, sent >= stallAfter {
        while !isClosed { usleep(20_000) }
        return
      }
      let end = min(sent + chunk, body.count, stallAfter ?? body.count)
      guard sendAll(connection, Array(body[sent..<end])) else { return }
      sent = end
      if let bytesPerSecond { usleep(UInt32(Double(chunk) / bytesPerSecond * 1e6)) }
    }
  }

  private func sendAll(_ connection: Int32, _ bytes: [UInt8]) -> Bool {
    var offset = 0
    while offset < bytes.count {
      let written = bytes[offset...].withUnsafeBytes { raw in
        send(connection, raw.baseAddress, raw.count, Int32(MSG_NOSIGNAL))
      }
      guard written > 0 else { return false }
      offset += written
    }
    return true
  }
}

extension Array where Element == UInt8 {
  fileprivate func ends(with suffix: [UInt8]) -> Bool {
    count >= suffix.count && Array(self[(count - suffix.count)...]) == suffix
  }
}

/// A free UDP port on 127.0.0.1 (bound, read and released; the race with other processes
/// is harmless in a test).
func freeUDPPort() -> UInt16 {
  let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
  defer { close(fd) }
  var address = sockaddr_in()
  address.sin_family = sa_family_t(AF_INET)
  address.sin_addr.s_addr = inet_addr("127.0.0.1")
  var length = socklen_t(MemoryLayout<sockaddr_in>.size)
  _ = withUnsafeMutablePointer(to: &address) { pointer in
    pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
      bind(fd, socketAddress, length) == 0 && getsockname(fd, socketAddress, &length) == 0
    }
  }
  return UInt16(bigEndian: address.sin_port)
}
