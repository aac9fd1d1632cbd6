import Foundation
import VideoIO

/// Which part of a dataset a clip belongs to.
public enum DatasetSplit: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
  case train
  case test
  /// Layouts that name no split (class folders alone, a manifest without one).
  case unassigned

  /// The split a folder or manifest file name stands for (`train`, `Test`, ...), if any.
  init?(name: String) {
    guard let split = DatasetSplit(rawValue: name.lowercased()), split != .unassigned else {
      return nil
    }
    self = split
  }

  public static func < (lhs: Self, rhs: Self) -> Bool {
    allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
  }
}

/// One labelled video of a dataset.
public struct Clip: Sendable, Hashable, Codable {
  /// The video file.
  public var url: URL
  /// The file's path inside the dataset (absolute when it lies outside).
  public var path: String
  /// The class.
  public var label: String
  public var split: DatasetSplit
  /// Clips sharing a group key come from one actor or scene (see `GroupKeyRule`).
  public var group: String?
  /// Header metadata, when the index was built with probing.
  public var info: VideoInfo?

  public init(
    url: URL, path: String, label: String, split: DatasetSplit, group: String?,
    info: VideoInfo? = nil
  ) {
    self.url = url
    self.path = path
    self.label = label
    self.split = split
    self.group = group
    self.info = info
  }
}

/// A file the index left out on purpose.
public struct SkippedFile: Sendable, Hashable, Codable {
  public enum Reason: String, Sendable, Hashable, Codable, CaseIterable {
    /// A dot-file other than the system files below.
    case hidden = "hidden file"
    /// Files operating systems leave behind: `.DS_Store`, `._*`, `Thumbs.db`, `__MACOSX`, ...
    case system = "system file"
    /// An extension that is not a video's.
    case notVideo = "not a video file"
    /// A video (or folder) where a class folder was expected.
    case outsideClasses = "not in a class folder"
    /// A model `vidi train` saved inside the dataset; it is not a class.
    case model = "a Vidi model"
    /// A video the official split lists do not name.
    case notListed = "not in the split lists"
    /// A video the split lists leave out of the chosen split (HMDB51's flag 0).
    case unusedInSplit = "not used in this split"
    /// A folder reached again through a symbolic link (a link to a parent or to a folder
    /// indexed elsewhere): each real folder's clips are counted once.
    case repeatedFolder = "folder already indexed (symbolic link)"
  }

  public var path: String
  public var reason: Reason
}

/// A file with a video's extension that cannot be used, and why.
public struct UnreadableFile: Sendable, Hashable, Codable {
  public var path: String
  public var label: String
  public var split: DatasetSplit
  public var group: String?
  /// One line, e.g. "truncated or damaged: moov atom not found".
  public var reason: String
}

/// How a dataset's clips and labels were found.
public enum DatasetLayout: String, Sendable, Hashable, Codable {
  /// `ROOT/train/<class>/*` and `ROOT/test/<class>/*`.
  case splitFolders = "split-folders"
  /// `ROOT/<class>/*`.
  case classFolders = "class-folders"
  /// CSV manifest(s) with `video_name,tag` (or `path,label`) columns.
  case manifest
  /// `ROOT/<class>/*` split by the official lists UCF101 and HMDB51 ship
  /// (`trainlist01.txt`, `testlist01.txt`; `<class>_test_split1.txt`).
  case splitLists = "split-lists"
}

/// The official split lists an index was split by.
public struct SplitListsUsed: Sendable, Hashable, Codable {
  /// The folder holding the lists.
  public var folder: String
  /// The split number: 1 for `trainlist01.txt` or `*_test_split1.txt`.
  public var number: Int
  /// Clips the lists put in train or test that the dataset folder lacks.
  public var missing: Int
}

/// The clips of a dataset with their labels, splits and group keys, plus what was skipped and
/// what could not be read.
public struct DatasetIndex: Sendable {
  /// How to build an index.
  public struct Options: Sendable {
    /// Open each video's header: adds `VideoInfo` to clips and finds unreadable files.
    public var probe: Bool
    public var groups: GroupKeyRule
    /// Which of the official split lists to use when the dataset has them (1, 2 or 3).
    public var splitNumber: Int

    public init(probe: Bool = false, groups: GroupKeyRule = .builtIn, splitNumber: Int = 1) {
      self.probe = probe
      self.groups = groups
      self.splitNumber = splitNumber
    }
  }

  /// The folder or CSV file the index was built from.
  public let root: URL
  /// The folder clip paths are relative to: `root`, or the folder of a root CSV file.
  public let folder: URL
  public let layout: DatasetLayout
  /// Whether video headers were read (`Clip.info` is set, unreadable files are found).
  public let probed: Bool
  /// Sorted by split, label, path.
  public internal(set) var clips: [Clip]
  public internal(set) var skipped: [SkippedFile]
  public internal(set) var unreadable: [UnreadableFile]
  /// Set when the official split lists assigned the splits.
  public internal(set) var splitLists: SplitListsUsed?

  public init(
    root: URL, folder: URL, layout: DatasetLayout, probed: Bool, clips: [Clip],
    skipped: [SkippedFile], unreadable: [UnreadableFile]
  ) {
    self.root = root
    self.folder = folder
    self.layout = layout
    self.probed = probed
    self.clips = clips.sorted { ($0.split, $0.label, $0.path) < ($1.split, $1.label, $1.path) }
    self.skipped = skipped.sorted { $0.path < $1.path }
    self.unreadable = unreadable.sorted { $0.path < $1.path }
  }

  /// Indexes the dataset at `root`: a folder in one of the layouts, or a CSV manifest.
  /// Junk is skipped and unreadable files are listed; neither stops indexing.
  public init(root: URL, options: Options = Options()) throws(DatasetError) {
    self = try DatasetScanner(root: root.standardizedFileURL, options: options).index()
  }

  /// The class labels, sorted.
  public var labels: [String] { Array(Set(clips.map(\.label))).sorted() }

  /// The splits that have clips, in order.
  public var splits: [DatasetSplit] { Array(Set(clips.map(\.split))).sorted() }

  /// The clips of one split.
  public func clips(in split: DatasetSplit) -> [Clip] { clips.filter { $0.split == split } }

  /// True when there is at least one clip to work with.
  public var isUsable: Bool { !clips.isEmpty }

  /// Whether a file named `name` has a video's extension (what indexing takes as a clip).
  public static func isVideoFile(_ name: String) -> Bool { DatasetScanner.isVideo(name) }
}
