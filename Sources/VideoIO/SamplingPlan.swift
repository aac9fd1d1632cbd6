/// The frames one pass over a clip keeps, derived from a `FrameSampling` and the frame count
/// the pass assumes.
struct SamplingPlan: Equatable {
  enum Targets: Equatable {
    /// These indices, ascending.
    case list([Int])
    /// Every `k`-th frame to the end.
    case every(Int)
  }

  let sampling: FrameSampling
  let targets: Targets
  let assumedFrameCount: Int
  /// Decode to the end of the stream after the last target, to learn the true frame count.
  let countsToEnd: Bool

  init(_ sampling: FrameSampling, frameCount: Int, countIsExact: Bool) {
    self.sampling = sampling
    assumedFrameCount = frameCount
    switch sampling {
    case .uniform(let n) where frameCount <= n:
      // Every frame is wanted, so take up to n of them and count to the end: a count that
      // is too low must not cost frames, one that is too high must not invent them.
      targets = .list(Array(0..<max(n, 0)))
      countsToEnd = true
    case .uniform:
      targets = .list(sampling.indices(frameCount: frameCount))
      countsToEnd = !countIsExact
    case .first(let n):
      targets = .list(Array(0..<max(n, 0)))
      countsToEnd = false
    case .everyNth(let k):
      targets = .every(max(k, 1))
      countsToEnd = true
    case .all:
      targets = .every(1)
      countsToEnd = true
    }
  }

  /// The plan for a second pass, now that a pass has counted `frameCount` frames; nil when
  /// the frames this plan kept are already the right ones.
  func replanned(frameCount: Int) -> SamplingPlan? {
    guard case .uniform = sampling, frameCount != assumedFrameCount else { return nil }
    let plan = SamplingPlan(sampling, frameCount: frameCount, countIsExact: true)
    return plan.targets == targets ? nil : plan
  }

  /// Walks the targets in order.
  struct Cursor {
    private let targets: Targets
    private var position = 0
    /// The next frame index to keep; nil when no more are wanted.
    private(set) var current: Int?

    init(_ targets: Targets) {
      self.targets = targets
      switch targets {
      case .list(let list): current = list.first
      case .every: current = 0
      }
    }

    mutating func advance() {
      guard let now = current else { return }
      switch targets {
      case .list(let list):
        position += 1
        current = position < list.count ? list[position] : nil
      case .every(let k):
        current = now + k
      }
    }

    /// Passes every target the frame at `index` satisfies, and returns how many: its own, plus
    /// any earlier ones a skipped frame slot left behind (the frame stands in for them); 0 when
    /// no target is due yet.
    mutating func take(_ index: Int) -> Int {
      var taken = 0
      while let next = current, next <= index {
        taken += 1
        advance()
      }
      return taken
    }
  }
}
