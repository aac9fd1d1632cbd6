import Foundation
import Pipeline
import Testing

@Suite struct DatasetIndexTests {
  /// The classic layout with the junk real datasets carry.
  static func classicTree() throws -> DatasetFolder {
    let data = try DatasetFolder()
    try data.clip("train/Walk/v_Walk_g01_c01.avi")
    try data.clip("train/Walk/v_Walk_g02_c01.avi")
    try data.file("train/Walk/.DS_Store", "junk")
    try data.file("train/Walk/._v_Walk_g01_c01.avi", "resource fork")
    try data.file("train/Walk/Thumbs.db", "junk")
    try data.file("train/Walk/notes.txt", "not a video")
    try data.clip("train/Run/person03_running_d1_uncomp.avi")
    try data.clip("train/Run/takes/v_Run_g05_c02.avi")
    try data.file("train/Run/bad.avi", "this is text, not a video")
    try data.file("train/Run/empty.mp4")
    try data.clip("test/Walk/v_Walk_g09_c01.avi")
    try data.clip("test/Run/v_Run_g09_c01.avi")
    try data.clip("stray.avi")
    try data.file("README.md", "about this dataset")
    try data.folder("__MACOSX/train")
    return data
  }

  @Test func indexesSplitFoldersAndSkipsJunk() throws {
    let data = try Self.classicTree()
    let index = try DatasetIndex(root: data.root)
    #expect(index.layout == .splitFolders)
    #expect(index.labels == ["Run", "Walk"])
    #expect(index.splits == [.train, .test])
    #expect(
      index.clips(in: .train).map(\.path) == [
        "train/Run/bad.avi", "train/Run/person03_running_d1_uncomp.avi",
        "train/Run/takes/v_Run_g05_c02.avi", "train/Walk/v_Walk_g01_c01.avi",
        "train/Walk/v_Walk_g02_c01.avi",
      ])
    #expect(index.clips(in: .test).count == 2)
    #expect(index.unreadable.map(\.path) == ["train/Run/empty.mp4"])
    #expect(index.unreadable.first?.reason == "empty file")
    let skipped = Dictionary(uniqueKeysWithValues: index.skipped.map { ($0.path, $0.reason) })
    #expect(
      skipped == [
        "train/Walk/.DS_Store": .system, "train/Walk/._v_Walk_g01_c01.avi": .system,
        "train/Walk/Thumbs.db": .system, "train/Walk/notes.txt": .notVideo,
        "stray.avi": .outsideClasses, "__MACOSX": .system,
      ])
    let groups = Dictionary(uniqueKeysWithValues: index.clips.map { ($0.path, $0.group) })
    #expect(groups["train/Walk/v_Walk_g01_c01.avi"] == "g01")
    #expect(groups["train/Run/person03_running_d1_uncomp.avi"] == "person03")
    #expect(groups["train/Run/takes/v_Run_g05_c02.avi"] == "g05")
    #expect(groups["train/Run/bad.avi"] == .some(nil))
    #expect(index.clips.allSatisfy { $0.info == nil })
  }

  @Test func probingReadsHeadersAndReportsUnreadableFiles() throws {
    let data = try Self.classicTree()
    let index = try DatasetIndex(root: data.root, options: .init(probe: true))
    #expect(index.clips.count == 6)
    #expect(index.unreadable.map(\.path) == ["train/Run/bad.avi", "train/Run/empty.mp4"])
    #expect(index.unreadable[0].reason.hasPrefix("not a video"))
    let info = try #require(index.clips.first?.info)
    #expect(info.frameCount == 8 && info.width == 32 && info.height == 24)
    let summary = index.summary
    #expect(summary.splits.map(\.clips) == [4, 2])
    #expect(abs((summary.splits[0].duration ?? 0) - 4 * 8 / 25) < 0.01)
  }

  @Test func indexesClassFoldersWithoutSplits() throws {
    let data = try DatasetFolder()
    try data.clip("boxing/person01_boxing_d1.avi")
    try data.clip("waving/person02_handwaving_d1.mp4")
    try data.file("waving/desktop.ini")
    try data.file("LICENSE", "text")
    let index = try DatasetIndex(root: data.root)
    #expect(index.layout == .classFolders)
    #expect(index.labels == ["boxing", "waving"])
    #expect(index.splits == [.unassigned])
    #expect(index.clips.map(\.group) == ["person01", "person02"])
    #expect(index.skipped.map(\.path) == ["waving/desktop.ini"])
  }

  @Test func readsACSVManifest() throws {
    let data = try DatasetFolder()
    try data.clip("videos/a.avi")
    try data.clip("videos/b, take 2.avi")
    let outside = try DatasetFolder()
    try outside.clip("far/v_Jump_g03_c01.avi")
    try data.file(
      "lists/clips.csv",
      """
      ,video_name,tag,notes
      0,../videos/a.avi,Walk,first
      1,"../videos/b, take 2.avi",Run,"quoted, with comma"
      2,../videos/missing.avi,Run,
      3,\(outside.url("far/v_Jump_g03_c01.avi").path),Jump,absolute
      4,../videos/cover.jpg,Walk,not a video

      """)
    let index = try DatasetIndex(root: data.url("lists/clips.csv"))
    #expect(index.layout == .manifest)
    #expect(index.labels == ["Jump", "Run", "Walk"])
    #expect(index.splits == [.unassigned])
    let paths = index.clips.map(\.path)
    #expect(paths.contains("../videos/a.avi") == false)
    #expect(
      index.clips.map(\.url.lastPathComponent).sorted() == [
        "a.avi", "b, take 2.avi", "v_Jump_g03_c01.avi",
      ])
    #expect(index.clips.first { $0.label == "Jump" }?.group == "g03")
    #expect(index.unreadable.map(\.reason) == ["no such file"])
    #expect(index.skipped.map(\.reason) == [.notVideo])
  }

  @Test func readsTheKerasLayoutOfSplitCSVsBesideFlatFolders() throws {
    let data = try DatasetFolder()
    try data.clip("train/v_CricketShot_g08_c01.avi")
    try data.clip("train/v_PlayingCello_g08_c01.avi")
    try data.clip("test/v_CricketShot_g01_c01.avi")
    try data.file(
      "train.csv",
      "video_name,tag\nv_CricketShot_g08_c01.avi,CricketShot\nv_PlayingCello_g08_c01.avi,PlayingCello\n"
    )
    try data.file("test.csv", "video_name,tag\r\nv_CricketShot_g01_c01.avi,CricketShot\r\n")
    let index = try DatasetIndex(root: data.root)
    #expect(index.layout == .manifest)
    #expect(index.clips(in: .train).count == 2)
    #expect(index.clips(in: .test).map(\.path) == ["test/v_CricketShot_g01_c01.avi"])
    #expect(index.unreadable.isEmpty)
  }

  /// `vidi train data --out data/model.vidi` must not turn the model into a class.
  /// One link back to its own folder used to count its clip 41 times (until paths grew too
  /// long); two such links doubled the paths at every level, so indexing never ended.
  @Test func symbolicLinkLoopsAreFollowedOnce() throws {
    let data = try DatasetFolder()
    try data.clip("train/Walk/v_Walk_g01_c01.avi")
    try data.clip("train/Run/v_Run_g01_c01.avi")
    try data.clip("test/Walk/v_Walk_g02_c01.avi")
    let manager = FileManager.default
    try manager.createSymbolicLink(
      atPath: data.url("train/Walk/again").path, withDestinationPath: ".")
    try manager.createSymbolicLink(
      atPath: data.url("train/Walk/more").path, withDestinationPath: "..")
    try manager.createSymbolicLink(
      atPath: data.url("train/Run/up").path, withDestinationPath: "../..")
    try manager.createSymbolicLink(
      atPath: data.url("train/Run/loop").path, withDestinationPath: data.url("train/Run").path)
    try manager.createSymbolicLink(
      atPath: data.url("test/Walk/walk-train").path, withDestinationPath: "../../train/Walk")
    let index = try DatasetIndex(root: data.root)
    #expect(
      index.clips.map(\.path).sorted() == [
        "test/Walk/v_Walk_g02_c01.avi", "train/Run/v_Run_g01_c01.avi",
        "train/Walk/v_Walk_g01_c01.avi",
      ])
    #expect(
      index.skipped.filter { $0.reason == .repeatedFolder }.map(\.path).sorted() == [
        "test/Walk/walk-train", "train/Run/loop", "train/Run/up", "train/Walk/again",
        "train/Walk/more",
      ])
  }

  /// A class folder that is a link to another class folder does not give its clips two labels,
  /// whichever name sorts first.
  @Test func aLinkedClassFolderIsIndexedOnce() throws {
    let data = try DatasetFolder()
    try data.clip("boxing/person01_boxing_d1.avi")
    try FileManager.default.createSymbolicLink(
      atPath: data.url("a-boxing-link").path, withDestinationPath: "boxing")
    let index = try DatasetIndex(root: data.root)
    #expect(index.clips.map(\.path) == ["boxing/person01_boxing_d1.avi"])
    #expect(index.skipped.map(\.path) == ["a-boxing-link"])
    #expect(index.skipped.map(\.reason) == [.repeatedFolder])
  }

  @Test func modelsSavedInsideTheDatasetAreNotClasses() throws {
    let keras = try DatasetFolder()
    try keras.clip("train/v_CricketShot_g08_c01.avi")
    try keras.file("train.csv", "video_name,tag\nv_CricketShot_g08_c01.avi,CricketShot\n")
    try keras.file("gru.vidi/config.json", "{}")
    let manifest = try DatasetIndex(root: keras.root)
    #expect(manifest.layout == .manifest)
    #expect(manifest.labels == ["CricketShot"])

    let classes = try DatasetFolder()
    try classes.clip("boxing/person01_boxing_d1.avi")
    try classes.file("boxing.vidi/config.json", "{}")
    let index = try DatasetIndex(root: classes.root)
    #expect(index.labels == ["boxing"])
    #expect(index.skipped.map(\.reason) == [.model])
  }

  @Test func manifestRoundTrips() throws {
    let data = try Self.classicTree()
    let index = try DatasetIndex(root: data.root, options: .init(probe: true))
    let manifest = data.url("manifest.csv")
    try index.writeManifest(to: manifest)
    let text = try String(contentsOf: manifest, encoding: .utf8)
    let lines = text.split(separator: "\n")
    #expect(lines.first == "path,label,split,group,frames,fps,width,height,duration,status")
    #expect(lines.contains("train/Walk/v_Walk_g01_c01.avi,Walk,train,g01,8,25,32,24,0.32,ok"))
    #expect(lines.contains { $0.hasPrefix("train/Run/empty.mp4,Run,train,,,,,,,empty file") })
    let leftovers = try FileManager.default.contentsOfDirectory(atPath: data.root.path)
    #expect(!leftovers.contains { $0.hasSuffix(".tmp") })

    let reread = try DatasetIndex(root: manifest)
    #expect(reread.clips.map(\.path) == index.clips.map(\.path))
    #expect(reread.clips.map(\.label) == index.clips.map(\.label))
    #expect(reread.clips.map(\.split) == index.clips.map(\.split))
    #expect(reread.clips.map(\.group) == index.clips.map(\.group))
    #expect(reread.unreadable.map(\.reason) == index.unreadable.map(\.reason))

    let regrouped = try DatasetIndex(
      root: manifest, options: .init(groups: try GroupKeyRule(pattern: #"_(c\d+)\."#)))
    #expect(regrouped.clips.first { $0.path == "train/Walk/v_Walk_g01_c01.avi" }?.group == "c01")
  }

  @Test func unprobedManifestHasTheFourColumns() throws {
    let data = try DatasetFolder()
    try data.clip("a/v_A_g01_c01.avi")
    let index = try DatasetIndex(root: data.root)
    let other = try DatasetFolder()
    #expect(
      index.manifestCSV(relativeTo: data.root)
        == "path,label,split,group\na/v_A_g01_c01.avi,a,unassigned,g01\n")
    #expect(index.manifestCSV(relativeTo: other.root).contains(data.url("a/v_A_g01_c01.avi").path))
  }

  @Test func customGroupPattern() throws {
    let rule = try GroupKeyRule(pattern: #"subject(\d+)"#)
    #expect(rule.group(forPath: "walk/subject07_take2.mp4") == "07")
    #expect(rule.group(forPath: "walk/s07.mp4") == nil)
    let byFolder = try GroupKeyRule(pattern: #"^[^/]+/([^/]+)/"#)
    #expect(byFolder.group(forPath: "walk/alice/clip1.mp4") == "alice")
    #expect(GroupKeyRule.builtIn.group(forPath: "v_ApplyEyeMakeup_g08_c01.avi") == "g08")
    #expect(GroupKeyRule.builtIn.group(forPath: "person25_jogging_d4_uncomp.avi") == "person25")
    #expect(GroupKeyRule.builtIn.group(forPath: "clip.avi") == nil)
    #expect(throws: DatasetError.self) { try GroupKeyRule(pattern: #"subject\d+"#) }
    #expect(throws: DatasetError.self) { try GroupKeyRule(pattern: "(unclosed") }
  }

  @Test func errorsNameThePath() throws {
    let data = try DatasetFolder()
    let missing = data.url("nope")
    #expect(throws: DatasetError.rootMissing(path: missing.path)) {
      try DatasetIndex(root: missing)
    }
    #expect(throws: DatasetError.noClassFolders(path: data.root.path)) {
      try DatasetIndex(root: data.root)
    }
    try data.file("train/flat.avi")
    #expect(throws: DatasetError.noClassFolders(path: data.root.path)) {
      try DatasetIndex(root: data.root)
    }
    try data.file("bad.csv", "name,size\na,1\n")
    #expect(throws: DatasetError.self) { try DatasetIndex(root: data.url("bad.csv")) }
    #expect(DatasetError.noClips(path: "/d").description == "/d: no readable video clips")
  }

  @Test func onlyJunkIsNotUsable() throws {
    let data = try DatasetFolder()
    try data.file("Walk/.DS_Store")
    try data.file("Walk/readme.txt")
    let index = try DatasetIndex(root: data.root)
    #expect(!index.isUsable)
    #expect(index.skipped.count == 2)
  }

  @Test func summaryReportsAndEncodes() throws {
    let data = try Self.classicTree()
    let summary = try DatasetIndex(root: data.root, options: .init(probe: true)).summary
    let report = summary.report
    #expect(report.contains("6 clips, 2 classes"))
    #expect(report.contains("skipped 6 files"))
    #expect(report.contains("train/Run/bad.avi: not a video"))
    let decoded = try JSONDecoder().decode(DatasetSummary.self, from: Data(summary.json.utf8))
    #expect(decoded == summary)
  }
}
