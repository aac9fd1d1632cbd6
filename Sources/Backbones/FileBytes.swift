import Foundation

extension Array where Element == UInt8 {
  /// The bytes of the file at `url`, copied once from the page cache into the array.
  ///
  /// Checkpoints are tens of megabytes and every command that encodes frames reads one before
  /// anything else can start; `[UInt8](Data(contentsOf:))` copies them twice.
  ///
  /// - Throws: `POSIXError` when the file cannot be opened or read.
  public init(contentsOfFile url: URL) throws {
    let descriptor = open(url.path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else { throw POSIXError.current }
    defer { close(descriptor) }
    var info = stat()
    guard fstat(descriptor, &info) == 0 else { throw POSIXError.current }
    let size = Int(info.st_size)
    var failure: POSIXError?
    self.init(unsafeUninitializedCapacity: size) { buffer, count in
      count = 0
      while count < size {
        let read = Foundation.read(descriptor, buffer.baseAddress! + count, size - count)
        if read > 0 {
          count += read
        } else if read == 0 {
          return
        } else if errno != EINTR {
          failure = POSIXError.current
          return
        }
      }
    }
    if let failure { throw failure }
  }
}

extension POSIXError {
  /// The error `errno` names now.
  static var current: POSIXError { POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
}
