import Foundation
import NumericCore

/// One of `count` disjoint parts of a dataset, for extraction spread over processes or machines
/// (`vidi extract --shard I/N`, with I from a Kubernetes `JOB_COMPLETION_INDEX` or a Slurm
/// `SLURM_ARRAY_TASK_ID`).
///
/// A clip belongs to the shard picked by a hash of its path inside the dataset, so the
/// assignment needs no I/O, does not depend on the order of a manifest's rows, and is the same
/// on every machine. Together the shards cover every clip exactly once.
public struct Shard: Sendable, Hashable, Codable {
  /// This shard, from 0 to `count - 1`.
  public let index: Int
  /// How many shards the dataset is split into.
  public let count: Int

  /// The whole dataset as one shard.
  public static let all = Shard(validIndex: 0, count: 1)

  /// Shard `index` of `count`; nil unless `0 <= index < count`.
  public init?(index: Int, count: Int) {
    guard count > 0, (0..<count).contains(index) else { return nil }
    self.init(validIndex: index, count: count)
  }

  private init(validIndex: Int, count: Int) {
    self.index = validIndex
    self.count = count
  }

  /// The shard a clip at `path` (relative to the dataset folder) belongs to, of `count`.
  public static func index(ofPath path: String, count: Int) -> Int {
    precondition(count > 0, "at least one shard")
    let digest = SHA256.digest(of: Data(path.utf8))
    let prefix = digest.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    return Int(prefix % UInt64(count))
  }

  /// Whether `clip` is in this shard.
  public func contains(_ clip: Clip) -> Bool {
    contains(path: clip.path)
  }

  /// Whether the file at `path` (relative to the dataset folder) is in this shard.
  public func contains(path: String) -> Bool {
    count == 1 || Self.index(ofPath: path, count: count) == index
  }

  /// The clips of this shard, in their given order.
  public func select(_ clips: [Clip]) -> [Clip] {
    clips.filter { contains($0) }
  }
}

extension Shard: LosslessStringConvertible {
  /// Parses `I/N`, e.g. `0/4`.
  public init?(_ description: String) {
    let parts = description.split(separator: "/", omittingEmptySubsequences: false)
    guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]) else {
      return nil
    }
    self.init(index: index, count: count)
  }

  public var description: String { "\(index)/\(count)" }
}
