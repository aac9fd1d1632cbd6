import Foundation

/// Counts of a `DatasetIndex` per split and class, with what was skipped and what could not be
/// read: what `vidi index` prints (as text, or as JSON through `Codable`).
public struct DatasetSummary: Sendable, Hashable, Codable {
  public struct ClassCount: Sendable, Hashable, Codable {
    public var label: String
    public var clips: Int
    /// Total seconds, when the index was probed.
    public var duration: Double?
  }

  public struct SplitCount: Sendable, Hashable, Codable {
    public var split: DatasetSplit
    public var clips: Int
    public var duration: Double?
    public var classes: [ClassCount]
  }

  public var root: String
  public var layout: DatasetLayout
  public var probed: Bool
  public var clips: Int
  public var labels: [String]
  public var splits: [SplitCount]
  public var skipped: [SkippedFile]
  public var unreadable: [UnreadableFile]
  /// Where the manifest was written, when it was.
  public var manifest: String?
  /// The official split lists that assigned the splits, if any.
  public var splitLists: SplitListsUsed?
}

extension DatasetIndex {
  /// Counts per split and class.
  public var summary: DatasetSummary {
    func duration(_ clips: [Clip]) -> Double? {
      probed ? clips.reduce(0) { $0 + ($1.info?.duration ?? 0) } : nil
    }
    let splits = self.splits.map { split in
      let inSplit = clips(in: split)
      let classes = Dictionary(grouping: inSplit, by: \.label).sorted { $0.key < $1.key }
        .map {
          DatasetSummary.ClassCount(
            label: $0.key, clips: $0.value.count, duration: duration($0.value))
        }
      return DatasetSummary.SplitCount(
        split: split, clips: inSplit.count, duration: duration(inSplit), classes: classes)
    }
    return DatasetSummary(
      root: root.path, layout: layout, probed: probed, clips: clips.count, labels: labels,
      splits: splits, skipped: skipped, unreadable: unreadable, manifest: nil,
      splitLists: splitLists)
  }
}

extension DatasetSummary {
  /// At most this many skipped files are listed by name; the rest are counted.
  static let listedSkips = 10

  /// A table per split and class, then the skipped and unreadable files.
  public var report: String {
    let layoutName: String
    switch layout {
    case .splitFolders: layoutName = "train/test class folders"
    case .classFolders: layoutName = "class folders"
    case .manifest: layoutName = "CSV manifest"
    case .splitLists: layoutName = "class folders with official split lists"
    }
    var lines = [
      "\(root) (\(layoutName)): \(Self.count(clips, "clip")), \(Self.count(labels.count, "class", "classes"))"
    ]
    if let lists = splitLists {
      let missing =
        lists.missing > 0
        ? "; \(Self.count(lists.missing, "listed clip")) not in the folder" : ""
      lines.append("split \(lists.number) of the lists in \(lists.folder)\(missing)")
    }
    let labelWidth = max(5, labels.map(\.count).max() ?? 0)
    let header = ["split".padded(10), "class".padded(labelWidth), "clips".padded(6, left: true)]
    lines.append(
      (header + (probed ? ["duration".padded(10, left: true)] : [])).joined(separator: "  "))
    for split in splits {
      var first = true
      for row in split.classes + [
        ClassCount(label: "(all)", clips: split.clips, duration: split.duration)
      ] {
        var fields = [
          (first ? split.split.rawValue : "").padded(10), row.label.padded(labelWidth),
          String(row.clips).padded(6, left: true),
        ]
        if let duration = row.duration { fields.append(Self.time(duration).padded(10, left: true)) }
        lines.append(fields.joined(separator: "  "))
        first = false
      }
    }
    if !skipped.isEmpty {
      let reasons = Dictionary(grouping: skipped, by: \.reason)
      let tally = SkippedFile.Reason.allCases.compactMap { reason in
        reasons[reason].map { "\($0.count) \(reason.rawValue)" }
      }
      lines.append("skipped \(Self.count(skipped.count, "file")): \(tally.joined(separator: ", "))")
      for file in skipped.prefix(Self.listedSkips) {
        lines.append("  \(file.path) (\(file.reason.rawValue))")
      }
      if skipped.count > Self.listedSkips {
        lines.append("  ... and \(skipped.count - Self.listedSkips) more")
      }
    }
    if !unreadable.isEmpty {
      lines.append("unreadable \(Self.count(unreadable.count, "file")):")
      for file in unreadable { lines.append("  \(file.path): \(file.reason)") }
    }
    if let manifest { lines.append("manifest written to \(manifest)") }
    return lines.joined(separator: "\n")
  }

  private static func count(_ n: Int, _ singular: String, _ plural: String? = nil) -> String {
    "\(n) \(n == 1 ? singular : plural ?? singular + "s")"
  }

  /// 75.4 -> "1m 15s", 3725 -> "1h 02m 05s".
  static func time(_ seconds: Double) -> String {
    let total = Int(seconds.rounded())
    let (hours, minutes, rest) = (total / 3600, total / 60 % 60, total % 60)
    if hours > 0 { return String(format: "%dh %02dm %02ds", hours, minutes, rest) }
    if minutes > 0 { return String(format: "%dm %02ds", minutes, rest) }
    return "\(rest)s"
  }
}

extension String {
  fileprivate func padded(_ width: Int, left: Bool = false) -> String {
    let padding = String(repeating: " ", count: max(0, width - count))
    return left ? padding + self : self + padding
  }
}

extension DatasetSummary {
  /// The summary as pretty-printed JSON with sorted keys.
  public var json: String {
    // Encoding plain value types into JSON cannot fail.
    try! PrettyJSON.string(self)
  }
}
