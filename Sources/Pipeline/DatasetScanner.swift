import Foundation
import VideoIO

/// Finds a dataset's layout and turns its files into clips, skipped files and unreadable files.
struct DatasetScanner {
  let root: URL
  /// The folder paths are shown relative to: the root folder, or a root CSV's folder.
  private var folder: URL
  let options: DatasetIndex.Options
  private var clips: [Clip] = []
  private var skipped: [SkippedFile] = []
  private var unreadable: [UnreadableFile] = []
  private var splitListsUsed: SplitListsUsed?

  /// Extensions of the containers FFmpeg reads that datasets use.
  static let videoExtensions: Set<String> = [
    "avi", "mp4", "m4v", "mov", "mkv", "webm", "mpg", "mpeg", "wmv", "flv", "3gp", "ogv", "ts",
    "mts", "m2ts", "vob", "asf", "divx",
  ]

  /// Names operating systems and NAS boxes create next to user files.
  static let systemNames: Set<String> = [
    ".ds_store", "thumbs.db", "desktop.ini", "__macosx", "@eadir", "$recycle.bin",
    ".spotlight-v100", ".trashes", ".fseventsd",
  ]

  init(root: URL, options: DatasetIndex.Options) {
    self.root = root
    self.folder = root
    self.options = options
  }

  /// Why a file or folder named `name` is junk, or nil when it is not.
  static func junkReason(_ name: String) -> SkippedFile.Reason? {
    let lower = name.lowercased()
    if systemNames.contains(lower) || lower.hasPrefix("._") { return .system }
    if lower.hasPrefix(".") { return .hidden }
    if lower.hasSuffix(".vidi") { return .model }
    return nil
  }

  static func isVideo(_ name: String) -> Bool {
    videoExtensions.contains((name as NSString).pathExtension.lowercased())
  }

  consuming func index() throws(DatasetError) -> DatasetIndex {
    var isFolder: ObjCBool = false
    guard FileManager.default.fileExists(atPath: root.path, isDirectory: &isFolder) else {
      throw .rootMissing(path: root.path)
    }
    let layout: DatasetLayout
    if !isFolder.boolValue {
      guard root.pathExtension.lowercased() == "csv" else {
        throw .noClassFolders(path: root.path)
      }
      layout = .manifest
      folder = root.deletingLastPathComponent()
      try readManifest(root, base: folder)
    } else {
      layout = try scanFolder()
    }
    var index = DatasetIndex(
      root: root, folder: folder, layout: layout, probed: options.probe, clips: clips,
      skipped: skipped,
      unreadable: unreadable)
    index.splitLists = splitListsUsed
    return index
  }

  // MARK: Folders

  private struct Entry {
    var url: URL
    var name: String
    var isFolder: Bool
  }

  private func entries(of folder: URL) -> [Entry] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
    return names.sorted().map { name in
      let url = folder.appendingPathComponent(name)
      var isFolder: ObjCBool = false
      _ = FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder)
      return Entry(url: url, name: name, isFolder: isFolder.boolValue)
    }
  }

  private func visibleFolders(_ entries: [Entry]) -> [Entry] {
    entries.filter { $0.isFolder && Self.junkReason($0.name) == nil }
  }

  /// Picks the layout: split folders holding class folders, else class folders, else CSV
  /// manifests beside them (the Keras layout: `train.csv` and a flat `train/`).
  private mutating func scanFolder() throws(DatasetError) -> DatasetLayout {
    let top = entries(of: root)
    let splitFolders = visibleFolders(top).filter { DatasetSplit(name: $0.name) != nil }
    if splitFolders.contains(where: { !visibleFolders(entries(of: $0.url)).isEmpty }) {
      for entry in top
      where entry.isFolder || Self.isVideo(entry.name) || Self.junkReason(entry.name) != nil {
        guard let split = DatasetSplit(name: entry.name), entry.isFolder else {
          skipOutsideClasses(entry, path: entry.name)
          continue
        }
        scanClassFolders(in: entry.url, path: entry.name, split: split)
      }
      return .splitFolders
    }
    let listFolder = DatasetSplitLists.folder(in: root)
    let classFolders = visibleFolders(top).filter {
      DatasetSplit(name: $0.name) == nil && $0.url.standardizedFileURL != listFolder
    }
    if !classFolders.isEmpty {
      scanClassFolders(in: root, path: nil, split: .unassigned, excluding: listFolder)
      guard let listFolder else { return .classFolders }
      try apply(DatasetSplitLists(folder: listFolder, number: options.splitNumber))
      return .splitLists
    }
    let manifests = top.filter { !$0.isFolder && $0.name.lowercased().hasSuffix(".csv") }
    guard !manifests.isEmpty else { throw .noClassFolders(path: root.path) }
    for manifest in manifests { try readManifest(manifest.url, base: root) }
    return .manifest
  }

  private mutating func skipOutsideClasses(_ entry: Entry, path: String) {
    skipped.append(
      SkippedFile(path: path, reason: Self.junkReason(entry.name) ?? .outsideClasses))
  }

  /// Each visible folder in `folder` is a class (except the one holding split lists); files
  /// beside them are skipped.
  private mutating func scanClassFolders(
    in folder: URL, path: String?, split: DatasetSplit, excluding lists: URL? = nil
  ) {
    for entry in entries(of: folder) where entry.url.standardizedFileURL != lists {
      let entryPath = path.map { "\($0)/\(entry.name)" } ?? entry.name
      if entry.isFolder, Self.junkReason(entry.name) == nil {
        collect(entry.url, path: entryPath, label: entry.name, split: split)
      } else if path != nil || entry.isFolder || Self.isVideo(entry.name)
        || Self.junkReason(entry.name) != nil
      {
        // At the top of a dataset, notes, licences and manifests are the dataset's own
        // documents, not junk; only stray videos, folders and system files are reported.
        skipOutsideClasses(entry, path: entryPath)
      }
    }
  }

  /// Every video under a class folder (nested folders included) is a clip of that class.
  private mutating func collect(_ folder: URL, path: String, label: String, split: DatasetSplit) {
    for entry in entries(of: folder) {
      let entryPath = "\(path)/\(entry.name)"
      if let reason = Self.junkReason(entry.name) {
        skipped.append(SkippedFile(path: entryPath, reason: reason))
      } else if entry.isFolder {
        collect(entry.url, path: entryPath, label: label, split: split)
      } else if !Self.isVideo(entry.name) {
        skipped.append(SkippedFile(path: entryPath, reason: .notVideo))
      } else {
        admit(entry.url, path: entryPath, label: label, split: split, group: nil)
      }
    }
  }

  // MARK: Split lists

  /// Gives each clip (and unreadable file) the split its list names; clips the lists do not
  /// name, or leave out of this split, are skipped.
  private mutating func apply(_ lists: DatasetSplitLists) {
    var kept: [Clip] = []
    for var clip in clips {
      guard let entry = lists.entry(forPath: clip.path) else {
        skipped.append(SkippedFile(path: clip.path, reason: .notListed))
        continue
      }
      guard let split = entry.split else {
        skipped.append(SkippedFile(path: clip.path, reason: .unusedInSplit))
        continue
      }
      clip.split = split
      kept.append(clip)
    }
    clips = kept
    unreadable = unreadable.map { file in
      var file = file
      file.split = lists.entry(forPath: file.path)?.split ?? file.split
      return file
    }
    splitListsUsed = SplitListsUsed(
      folder: displayPath(lists.folder), number: lists.number,
      missing: lists.missingCount(found: clips.map(\.path) + unreadable.map(\.path)))
  }

  // MARK: Manifests

  /// Reads a `video_name,tag` (or `path,label`) CSV. Relative paths resolve against `base`,
  /// or against `base/<split>` when the CSV is named after a split and the file is there.
  private mutating func readManifest(_ url: URL, base: URL) throws(DatasetError) {
    let table = try ManifestTable(contentsOf: url)
    let fileSplit = DatasetSplit(name: url.deletingPathExtension().lastPathComponent)
    for row in table.rows {
      guard let written = row.path, !written.isEmpty else { continue }
      let split =
        row.split.flatMap { DatasetSplit(rawValue: $0.lowercased()) } ?? fileSplit
        ?? .unassigned
      let file = resolve(written, base: base, split: fileSplit)
      let path = displayPath(file)
      guard let label = row.label, !label.isEmpty else {
        unreadable.append(
          UnreadableFile(
            path: path, label: "", split: split, group: nil,
            reason: "no label in \(url.lastPathComponent)"))
        continue
      }
      if let reason = Self.junkReason(file.lastPathComponent) {
        skipped.append(SkippedFile(path: path, reason: reason))
      } else if !Self.isVideo(file.lastPathComponent) {
        skipped.append(SkippedFile(path: path, reason: .notVideo))
      } else if !options.probe, let status = row.status, !status.isEmpty, status != "ok" {
        let group = groupKey(path: path, stated: row.group)
        unreadable.append(
          UnreadableFile(path: path, label: label, split: split, group: group, reason: status))
      } else {
        admit(file, path: path, label: label, split: split, group: row.group)
      }
    }
  }

  private func resolve(_ written: String, base: URL, split: DatasetSplit?) -> URL {
    if written.hasPrefix("/") { return URL(fileURLWithPath: written).standardizedFileURL }
    let direct = base.appendingPathComponent(written).standardizedFileURL
    if let split, !FileManager.default.fileExists(atPath: direct.path) {
      let inSplit = base.appendingPathComponent(split.rawValue).appendingPathComponent(written)
        .standardizedFileURL
      if FileManager.default.fileExists(atPath: inSplit.path) { return inSplit }
    }
    return direct
  }

  /// The path inside the dataset folder, or the absolute path for a file outside it.
  private func displayPath(_ file: URL) -> String {
    let prefix = folder.path.hasSuffix("/") ? folder.path : folder.path + "/"
    return file.path.hasPrefix(prefix) ? String(file.path.dropFirst(prefix.count)) : file.path
  }

  // MARK: Clips

  /// Checks a video file (cheaply, or by reading its header when probing) and files it as a
  /// clip or as unreadable.
  private mutating func admit(
    _ file: URL, path: String, label: String, split: DatasetSplit, group: String?
  ) {
    let group = groupKey(path: path, stated: group)
    var info: VideoInfo?
    var failure: VideoError?
    if options.probe {
      do {
        info = try VideoReader.info(of: file)
      } catch {
        failure = error
      }
    } else {
      failure = Self.cheapCheck(file)
    }
    if let failure {
      unreadable.append(
        UnreadableFile(path: path, label: label, split: split, group: group, reason: failure.reason)
      )
    } else {
      clips.append(
        Clip(url: file, path: path, label: label, split: split, group: group, info: info))
    }
  }

  /// A manifest's group column counts unless the caller gave a pattern of their own.
  private func groupKey(path: String, stated: String?) -> String? {
    if let stated, !options.groups.isCustom { return stated }
    return options.groups.group(forPath: path)
  }

  /// Without probing, only what the file system says: the file exists and is not empty.
  private static func cheapCheck(_ file: URL) -> VideoError? {
    let attributes = try? FileManager.default.attributesOfItem(
      atPath: file.resolvingSymlinksInPath().path)
    guard let attributes else { return .missing(path: file.path) }
    return (attributes[.size] as? Int) == 0 ? .empty(path: file.path) : nil
  }
}
