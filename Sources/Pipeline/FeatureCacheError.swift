import Foundation

/// Why the feature cache could not read a clip or write an entry; each description is one line
/// naming the file.
public enum FeatureCacheError: Error, Sendable, CustomStringConvertible, Equatable {
  case unreadableClip(URL, reason: String)
  case cannotWrite(URL, reason: String)

  public var description: String {
    switch self {
    case .unreadableClip(let url, let reason): "\(url.path): cannot read clip: \(reason)"
    case .cannotWrite(let url, let reason): "\(url.path): cannot write cache entry: \(reason)"
    }
  }

  /// A one-line reason from a Foundation or POSIX error.
  static func describe(_ error: any Error) -> String {
    let nsError = error as NSError
    if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError,
      underlying.domain == NSPOSIXErrorDomain
    {
      return String(cString: strerror(Int32(underlying.code)))
    }
    if nsError.domain == NSPOSIXErrorDomain {
      return String(cString: strerror(Int32(nsError.code)))
    }
    return nsError.localizedDescription.replacingOccurrences(of: "\n", with: " ")
  }
}
