import Foundation

/// The rows of a CSV manifest, by the columns Vidi knows. Column names are matched without
/// regard to case; other columns (a leading index, notes) are ignored.
struct ManifestTable {
  struct Row {
    var path: String?
    var label: String?
    var split: String?
    var group: String?
    var status: String?
  }

  static let pathColumns = ["video_name", "path", "file", "filename", "video"]
  static let labelColumns = ["tag", "label", "class", "category"]

  var rows: [Row] = []

  /// Reads the manifest at `url`; a list of videos to classify (`labelRequired` false) needs
  /// only the path column.
  init(contentsOf url: URL, labelRequired: Bool = true) throws(DatasetError) {
    let text: String
    do {
      text = try String(contentsOf: url, encoding: .utf8)
    } catch {
      throw .badManifest(path: url.path, reason: "cannot read it as UTF-8 text")
    }
    let records = CSV.parse(text)
    guard let header = records.first?.map({ $0.trimmingCharacters(in: .whitespaces).lowercased() })
    else { throw .badManifest(path: url.path, reason: "it is empty") }
    func column(_ names: [String]) -> Int? { names.lazy.compactMap(header.firstIndex(of:)).first }
    let labelColumn = column(Self.labelColumns)
    guard let pathColumn = column(Self.pathColumns), labelColumn != nil || !labelRequired else {
      throw .badManifest(
        path: url.path, reason: "it needs a video_name (or path) column and a tag (or label) column"
      )
    }
    let split = column(["split"])
    let group = column(["group"])
    let status = column(["status"])
    for record in records.dropFirst() where !record.allSatisfy({ $0.isEmpty }) {
      func value(_ index: Int?) -> String? {
        guard let index, index < record.count else { return nil }
        let field = record[index].trimmingCharacters(in: .whitespaces)
        return field.isEmpty ? nil : field
      }
      rows.append(
        Row(
          path: value(pathColumn), label: value(labelColumn), split: value(split),
          group: value(group), status: value(status)))
    }
  }
}

/// RFC 4180 CSV: quoted fields may hold commas, quotes (doubled) and line breaks.
enum CSV {
  static func parse(_ text: String) -> [[String]] {
    var records: [[String]] = []
    var record: [String] = []
    var field = ""
    var quoted = false
    var characters = text.hasPrefix("\u{FEFF}") ? text.dropFirst()[...] : text[...]
    while let character = characters.popFirst() {
      if quoted {
        if character == "\"" {
          if characters.first == "\"" {
            field.append("\"")
            characters.removeFirst()
          } else {
            quoted = false
          }
        } else {
          field.append(character)
        }
        continue
      }
      switch character {
      case "\"": quoted = true
      case ",":
        record.append(field)
        field = ""
      case "\n", "\r\n", "\r":
        record.append(field)
        records.append(record)
        (record, field) = ([], "")
      default: field.append(character)
      }
    }
    if !field.isEmpty || !record.isEmpty {
      record.append(field)
      records.append(record)
    }
    return records
  }

  static func line(_ fields: [String]) -> String {
    fields.map { field in
      guard field.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline }) else { return field }
      return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }.joined(separator: ",")
  }
}

extension DatasetIndex {
  /// The manifest columns: always these, then the probe columns when the index was probed.
  public static let manifestColumns = ["path", "label", "split", "group"]
  public static let probeColumns = ["frames", "fps", "width", "height", "duration", "status"]

  /// The manifest as CSV text. Paths are relative to `folder` when the file lies inside it
  /// (so the manifest can move with the dataset), absolute otherwise. A probed index adds the
  /// header metadata and a `status` column, and lists unreadable files with their reason.
  public func manifestCSV(relativeTo folder: URL) -> String {
    let prefix =
      folder.standardizedFileURL.path.hasSuffix("/")
      ? folder.standardizedFileURL.path : folder.standardizedFileURL.path + "/"
    func written(_ url: URL) -> String {
      url.path.hasPrefix(prefix) ? String(url.path.dropFirst(prefix.count)) : url.path
    }
    var lines = [CSV.line(Self.manifestColumns + (probed ? Self.probeColumns : []))]
    for clip in clips {
      var fields = [written(clip.url), clip.label, clip.split.rawValue, clip.group ?? ""]
      if probed, let info = clip.info {
        fields += [
          String(info.frameCount), Self.decimal(info.frameRate), String(info.width),
          String(info.height), Self.decimal(info.duration), "ok",
        ]
      }
      lines.append(CSV.line(fields))
    }
    if probed {
      for file in unreadable {
        let url =
          file.path.hasPrefix("/")
          ? URL(fileURLWithPath: file.path) : folder.appendingPathComponent(file.path)
        lines.append(
          CSV.line(
            [
              written(url), file.label, file.split.rawValue, file.group ?? "", "", "", "", "", "",
              file.reason,
            ]))
      }
    }
    return lines.joined(separator: "\n") + "\n"
  }

  /// Writes the manifest to `url` atomically (a temporary file beside it, then a rename).
  public func writeManifest(to url: URL) throws(DatasetError) {
    let url = url.standardizedFileURL
    let folder = url.deletingLastPathComponent()
    var isFolder: ObjCBool = false
    guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isFolder),
      isFolder.boolValue
    else { throw .writeFailed(path: url.path, reason: "no such folder") }
    let temporary = folder.appendingPathComponent(
      ".\(url.lastPathComponent).\(UUID().uuidString).tmp")
    guard
      FileManager.default.createFile(
        atPath: temporary.path, contents: Data(manifestCSV(relativeTo: folder).utf8))
    else { throw .writeFailed(path: url.path, reason: "cannot create a file in its folder") }
    guard rename(temporary.path, url.path) == 0 else {
      let reason = String(cString: strerror(errno))
      try? FileManager.default.removeItem(at: temporary)
      throw .writeFailed(path: url.path, reason: reason)
    }
  }

  private static func decimal(_ value: Double) -> String {
    var text = String(format: "%.3f", value)
    while text.hasSuffix("0") { text.removeLast() }
    if text.hasSuffix(".") { text.removeLast() }
    return text
  }
}
