import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The videos a batch prediction names: each argument is a video file, a folder (searched
/// recursively for videos, junk skipped as dataset indexing skips it), a glob pattern the shell
/// left unexpanded (`'clips/*.avi'`), or a list: a CSV manifest with a path column
/// (`video_name`, `path`, ...) or a text file with one path per line (UCF101's `testlist01.txt`).
/// Relative paths in a list resolve against the list's folder.
public struct PredictionInputs: Sendable, Equatable {
  /// A video to classify: where it is and the name it is reported under.
  public struct Video: Sendable, Hashable {
    public var url: URL
    public var name: String
  }

  /// An argument that yielded no video, and why; reported like a failed video.
  public struct Problem: Sendable, Hashable {
    public var argument: String
    public var reason: String

    public var description: String { "\(argument): \(reason)" }
  }

  /// In argument order; a folder's videos sorted by path.
  public var videos: [Video] = []
  public var problems: [Problem] = []
  /// Files inside folders that were not videos (or were junk).
  public var skipped = 0
  /// True when an argument could stand for several videos (a folder, glob or list), so the
  /// caller should answer with a list even when only one video came of it.
  public var isBatch = false

  /// Expands `arguments` in order.
  public init(_ arguments: [String]) {
    for argument in arguments { add(argument) }
  }

  private mutating func add(_ argument: String) {
    var isFolder: ObjCBool = false
    let exists = FileManager.default.fileExists(atPath: argument, isDirectory: &isFolder)
    if exists && isFolder.boolValue {
      isBatch = true
      let before = videos.count
      walk(
        URL(fileURLWithPath: argument), name: argument.hasSuffix("/") ? argument : argument + "/")
      if videos.count == before {
        problems.append(Problem(argument: argument, reason: "no videos in this folder"))
      }
    } else if exists, Self.isList(argument) {
      isBatch = true
      readList(URL(fileURLWithPath: argument), argument: argument)
    } else if !exists, Self.isPattern(argument) {
      isBatch = true
      let matches = Self.paths(matching: argument)
      if matches.isEmpty {
        problems.append(Problem(argument: argument, reason: "no file matches this pattern"))
      }
      for match in matches { add(match) }
    } else {
      videos.append(Video(url: URL(fileURLWithPath: argument), name: argument))
    }
  }

  /// Videos under `folder`, depth first in name order; junk and other files are counted.
  private mutating func walk(_ folder: URL, name: String) {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
    for entry in names.sorted() {
      let url = folder.appendingPathComponent(entry)
      var isFolder: ObjCBool = false
      _ = FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder)
      if DatasetScanner.junkReason(entry) != nil {
        skipped += 1
      } else if isFolder.boolValue {
        walk(url, name: name + entry + "/")
      } else if DatasetScanner.isVideo(entry) {
        videos.append(Video(url: url, name: name + entry))
      } else {
        skipped += 1
      }
    }
  }

  private mutating func readList(_ url: URL, argument: String) {
    let base = url.deletingLastPathComponent()
    let paths: [String]
    do {
      paths = try Self.listedPaths(url)
    } catch {
      problems.append(Problem(argument: argument, reason: error.description))
      return
    }
    if paths.isEmpty { problems.append(Problem(argument: argument, reason: "it lists no videos")) }
    let folder = (argument as NSString).deletingLastPathComponent
    for path in paths {
      let file =
        path.hasPrefix("/") ? URL(fileURLWithPath: path) : base.appendingPathComponent(path)
      let name = path.hasPrefix("/") ? path : (folder as NSString).appendingPathComponent(path)
      videos.append(Video(url: file.standardizedFileURL, name: name))
    }
  }

  /// The paths a CSV manifest's path column or a text list's first fields hold.
  static func listedPaths(_ url: URL) throws(DatasetError) -> [String] {
    if url.pathExtension.lowercased() == "csv" {
      return try ManifestTable(contentsOf: url, labelRequired: false).rows.compactMap(\.path)
    }
    guard let text = try? String(contentsOf: url, encoding: .utf8) else {
      throw .badManifest(path: url.path, reason: "cannot read it as UTF-8 text")
    }
    return text.split(whereSeparator: \.isNewline).compactMap { line in
      line.split(whereSeparator: \.isWhitespace).first.map(String.init)
    }
  }

  static func isList(_ path: String) -> Bool {
    ["csv", "txt", "lst"].contains((path as NSString).pathExtension.lowercased())
  }

  static func isPattern(_ argument: String) -> Bool {
    argument.contains { "*?[".contains($0) }
  }

  /// The paths matching a shell pattern, sorted (POSIX glob: `*`, `?`, `[...]`).
  static func paths(matching pattern: String) -> [String] {
    var result = glob_t()
    defer { globfree(&result) }
    guard glob(pattern, 0, nil, &result) == 0 else { return [] }
    return (0..<Int(result.gl_pathc)).compactMap { index in
      result.gl_pathv[index].map { String(cString: $0) }
    }.sorted()
  }
}
