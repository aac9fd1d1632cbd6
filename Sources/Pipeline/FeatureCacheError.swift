import Foundation

/// Why the feature cache could not read a clip or write an entry; each description is one line
/// naming the file.
public enum FeatureCacheError: Error, Sendable, CustomStringConvertible, Equatable {
  case unreadableClip(URL, reason: String)
  case cannotWrite(URL, reason: String)
  /// The cache folder, or a folder above it, is a file.
  case notAFolder(URL)

  public var description: String {
    switch self {
    case .unreadableClip(let url, let reason): "\(url.path): cannot read clip: \(reason)"
    case .cannotWrite(let url, let reason): "\(url.path): cannot write cache entry: \(reason)"
    case .notAFolder(let url):
      "\(url.path): cannot hold the feature cache: it is a file, not a folder"
    }
  }

  /// A one-line reason from a Foundation or POSIX error.
  package static func describe(_ error: any Error) -> String {
    let nsError = error as NSError
    if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError,
      underlying.domain == NSPOSIXErrorDomain
    {
      return String(cString: strerror(Int32(underlying.code)))
    }
    if nsError.domain == NSPOSIXErrorDomain {
      return String(cString: strerror(Int32(nsError.code)))
    }
    if nsError.domain == NSCocoaErrorDomain, let reason = cocoaReasons[nsError.code] {
      return reason
    }
    return nsError.localizedDescription.replacingOccurrences(of: "\n", with: " ")
  }

  /// Foundation's file errors that carry no POSIX error, in words rather than as
  /// "NSCocoaErrorDomain error 512".
  private static let cocoaReasons: [Int: String] = [
    CocoaError.fileNoSuchFile.rawValue: "no such file or folder",
    CocoaError.fileReadNoSuchFile.rawValue: "no such file or folder",
    CocoaError.fileReadNoPermission.rawValue: "permission denied",
    CocoaError.fileWriteNoPermission.rawValue: "permission denied",
    CocoaError.fileWriteOutOfSpace.rawValue: "no space left on the device",
    CocoaError.fileWriteVolumeReadOnly.rawValue: "the file system is read-only",
    CocoaError.fileWriteFileExists.rawValue: "a file is in the way",
    CocoaError.fileWriteUnknown.rawValue: "the file system refused the write",
    CocoaError.fileReadUnknown.rawValue: "the file system refused the read",
  ]
}
