/// Which frames of a clip to decode.
///
/// Indices count frames in presentation order from 0. A clip with fewer frames than a strategy
/// asks for yields the frames it has; callers that need a fixed length pad and mask.
public enum FrameSampling: Sendable, Hashable, Codable {
  /// `n` frames spread over the whole clip: the clip is cut into `n` equal segments and the frame
  /// at the centre of each is taken (TSN-style), so frame `i` of `n` in a clip of `N` frames is
  /// `floor((i + 0.5) * N / n)`.
  case uniform(Int)
  /// The first `n` frames, as the classic Keras video pipeline reads them.
  case first(Int)
  /// Frames 0, k, 2k, ... to the end of the clip (k below 1 counts as 1).
  case everyNth(Int)
  /// Every frame.
  case all

  /// Uniform sampling of 20 frames, the sequence length of the classic pipeline.
  public static let `default` = FrameSampling.uniform(20)

  /// The frame indices this strategy takes from a clip of `frameCount` frames, ascending.
  public func indices(frameCount: Int) -> [Int] {
    let count = max(frameCount, 0)
    switch self {
    case .uniform(let n):
      guard n > 0 else { return [] }
      if count <= n { return Array(0..<count) }
      return (0..<n).map { i in (2 * i + 1) * count / (2 * n) }
    case .first(let n):
      return Array(0..<min(max(n, 0), count))
    case .everyNth(let k):
      return Array(stride(from: 0, to: count, by: max(k, 1)))
    case .all:
      return Array(0..<count)
    }
  }

  /// The most frames this strategy takes from any clip; nil when it grows with the clip.
  public var maximumFrameCount: Int? {
    switch self {
    case .uniform(let n), .first(let n): return max(n, 0)
    case .everyNth, .all: return nil
    }
  }
}

extension FrameSampling: LosslessStringConvertible {
  /// Parses `uniform:N`, `first:N`, `every:K` or `all` (the forms `description` prints).
  public init?(_ description: String) {
    let parts = description.split(separator: ":", maxSplits: 1).map(String.init)
    if parts == ["all"] {
      self = .all
      return
    }
    guard parts.count == 2, let value = Int(parts[1]), value > 0 else { return nil }
    switch parts[0] {
    case "uniform": self = .uniform(value)
    case "first": self = .first(value)
    case "every": self = .everyNth(value)
    default: return nil
    }
  }

  public var description: String {
    switch self {
    case .uniform(let n): return "uniform:\(n)"
    case .first(let n): return "first:\(n)"
    case .everyNth(let k): return "every:\(k)"
    case .all: return "all"
    }
  }
}
