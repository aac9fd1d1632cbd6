/// Why a dataset could not be indexed or its manifest written. `description` is one line,
/// `<path>: <reason>`.
public enum DatasetError: Error, Sendable, Hashable, CustomStringConvertible {
  /// Nothing at the dataset path.
  case rootMissing(path: String)
  /// The folder holds neither class folders nor a CSV manifest.
  case noClassFolders(path: String)
  /// Class folders or a manifest were found, but no clip in them can be used.
  case noClips(path: String)
  /// A CSV manifest cannot be read or lacks the columns it needs.
  case badManifest(path: String, reason: String)
  /// A `--group-pattern` that is not a regular expression with a capture group.
  case badGroupPattern(pattern: String, reason: String)
  /// Official split lists that are missing the requested split or cannot be read.
  case badSplitLists(path: String, reason: String)
  /// Writing a manifest failed.
  case writeFailed(path: String, reason: String)

  public var description: String {
    switch self {
    case .rootMissing(let path): return "\(path): no such file or folder"
    case .noClassFolders(let path):
      return
        "\(path): no class folders (expected ROOT/train/<class>/*, ROOT/<class>/* or a CSV manifest)"
    case .noClips(let path): return "\(path): no readable video clips"
    case .badManifest(let path, let reason): return "\(path): bad manifest: \(reason)"
    case .badGroupPattern(let pattern, let reason):
      return "\(pattern): bad group pattern: \(reason)"
    case .badSplitLists(let path, let reason): return "\(path): bad split lists: \(reason)"
    case .writeFailed(let path, let reason): return "\(path): cannot write: \(reason)"
    }
  }
}
