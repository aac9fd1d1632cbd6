import Foundation

/// The official train/test split lists UCF101 and HMDB51 ship beside their class folders, so
/// results are comparable with published ones:
///
/// - UCF101 (`ucfTrainTestlist/`): `classInd.txt` (`1 ApplyEyeMakeup`), `trainlistNN.txt`
///   (`ApplyEyeMakeup/v_ApplyEyeMakeup_g08_c01.avi 1`) and `testlistNN.txt` (the path alone),
///   for splits 01–03.
/// - HMDB51 (`testTrainMulti_7030_splits/`): `<class>_test_splitN.txt`, one `file.avi F` line
///   per clip with F = 1 (train), 2 (test) or 0 (not used in that split).
///
/// The lists may sit in the dataset folder itself or in one of its subfolders.
struct DatasetSplitLists {
  /// Where a listed clip goes, and the list that says so (for messages).
  struct Entry {
    var split: DatasetSplit?
    var list: String
  }

  /// The folder holding the lists.
  let folder: URL
  /// The split number (1 for `trainlist01.txt`, `*_test_split1.txt`).
  let number: Int
  /// Keyed by the lowercased path within the dataset (UCF101) or the lowercased file name
  /// (HMDB51); `split` nil means the list leaves the clip out of this split.
  private(set) var byPath: [String: Entry] = [:]
  private(set) var byName: [String: Entry] = [:]

  /// File names that mark a folder as holding split lists.
  static func isListName(_ name: String) -> Bool {
    let lower = name.lowercased()
    return lower.range(of: #"^(train|test)list\d+\.txt$"#, options: .regularExpression) != nil
      || lower.range(of: #"_test_split\d+\.txt$"#, options: .regularExpression) != nil
  }

  /// The folder with split lists: `root` itself, else the first subfolder holding some.
  static func folder(in root: URL) -> URL? {
    func hasLists(_ folder: URL) -> Bool {
      let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
      return names.contains(where: isListName)
    }
    if hasLists(root) { return root.standardizedFileURL }
    let names = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
    return names.sorted().lazy.map { root.appendingPathComponent($0).standardizedFileURL }
      .first(where: hasLists)
  }

  /// Reads split `number`'s lists from `folder`.
  init(folder: URL, number: Int) throws(DatasetError) {
    self.folder = folder
    self.number = number
    let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [])
      .sorted()
    let ucf = [("trainlist", DatasetSplit.train), ("testlist", .test)].map { prefix, split in
      (prefix + String(format: "%02d", number) + ".txt", split)
    }
    let hmdbSuffix = "_test_split\(number).txt"
    let hmdb = names.filter { $0.lowercased().hasSuffix(hmdbSuffix) }
    let present = ucf.filter { name, _ in names.contains(name) }
    guard !present.isEmpty || !hmdb.isEmpty else {
      let found = names.filter(Self.isListName).joined(separator: ", ")
      throw .badSplitLists(
        path: folder.path,
        reason: "no lists for split \(number) (trainlist0\(number).txt, "
          + "*_test_split\(number).txt); found \(found)")
    }
    for (name, split) in present {
      for line in try Self.lines(folder.appendingPathComponent(name)) {
        guard let path = line.first else { continue }
        byPath[Self.key(path)] = Entry(split: split, list: name)
      }
    }
    for name in hmdb {
      for line in try Self.lines(folder.appendingPathComponent(name)) {
        guard line.count >= 2, let file = line.first else { continue }
        let split: DatasetSplit? =
          switch line[1] {
          case "1": .train
          case "2": .test
          default: nil
          }
        byName[Self.key(file)] = Entry(split: split, list: name)
      }
    }
  }

  /// Where the clip at `path` (inside the dataset) goes; nil when no list names it.
  func entry(forPath path: String) -> Entry? {
    if let entry = byPath[Self.key(path)] { return entry }
    let name = path.split(separator: "/").last.map(String.init) ?? path
    return byName[Self.key(name)]
  }

  /// How many clips the lists put in this split's train or test part that are not among
  /// `found` (the dataset's paths): a partial download, or a subset of the classes.
  func missingCount(found paths: [String]) -> Int {
    let names = Set(paths.map { Self.key($0.split(separator: "/").last.map(String.init) ?? $0) })
    let keys = Set(paths.map(Self.key))
    return byPath.count { key, entry in entry.split != nil && !keys.contains(key) }
      + byName.count { key, entry in entry.split != nil && !names.contains(key) }
  }

  static func key(_ path: String) -> String {
    path.replacingOccurrences(of: "\\", with: "/").lowercased()
  }

  /// Whitespace-separated fields of each non-empty line.
  private static func lines(_ url: URL) throws(DatasetError) -> [[String]] {
    guard let text = try? String(contentsOf: url, encoding: .utf8) else {
      throw .badSplitLists(path: url.path, reason: "cannot read it as UTF-8 text")
    }
    return text.split(whereSeparator: \.isNewline).map {
      $0.split(whereSeparator: \.isWhitespace).map(String.init)
    }.filter { !$0.isEmpty }
  }
}
