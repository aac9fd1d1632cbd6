import SequenceModels

/// Why extracted features cannot be used for a clip. One line naming the clip and the reason.
public enum ClipFeaturesError: Error, Equatable, CustomStringConvertible {
  /// Not one frame of the clip was real (an empty or undecodable video).
  case noFrames(path: String)

  public var description: String {
    switch self {
    case .noFrames(let path): "\(path): the video has no frames"
    }
  }
}

/// The per-frame features of one clip (in one view) with what the workflows need to know about
/// it: its label, split and group, and which of its rows are real frames.
///
/// Rows `0..<length` are real frames; rows `length..<frameCount` are padding (the mask is a
/// prefix), which is what the sequence models expect.
public struct ClipFeatures: Sendable, Equatable {
  /// The clip's path as the dataset lists it; names the clip in reports and errors.
  public var path: String
  /// The class, when known (training and evaluation clips).
  public var label: String?
  /// The dataset split, when known (dataset clips).
  public var split: DatasetSplit?
  /// Clips sharing a group come from one source (actor, scene) and never straddle a split.
  public var group: String?
  public var view: FeatureView
  /// Rows T, padding included.
  public var frameCount: Int
  /// Columns D, the backbone's feature width.
  public var dimension: Int
  /// `frameCount × dimension` values, row-major.
  public var values: [Float]
  /// The number of leading rows that are real frames.
  public var length: Int
  /// The source frame each row was decoded from (padding rows repeat whatever the extractor
  /// recorded for them).
  public var frameIndices: [Int]

  /// Features whose first `length` rows are real. Traps on inconsistent shapes, which are
  /// programming errors rather than bad input.
  public init(
    path: String, label: String?, split: DatasetSplit? = nil, group: String? = nil,
    view: FeatureView = .original, frameCount: Int, dimension: Int, values: [Float],
    length: Int, frameIndices: [Int]
  ) {
    precondition(frameCount >= 1 && dimension >= 1, "features need at least one row and column")
    precondition(values.count == frameCount * dimension, "values do not fill frames × dimension")
    precondition((1...frameCount).contains(length), "length outside 1...frameCount")
    precondition(frameIndices.count == frameCount, "one frame index per row")
    self.path = path
    self.label = label
    self.split = split
    self.group = group
    self.view = view
    self.frameCount = frameCount
    self.dimension = dimension
    self.values = values
    self.length = length
    self.frameIndices = frameIndices
  }

  /// The features of a cache entry. Real rows are moved ahead of padding rows (keeping their
  /// order), so the mask becomes a prefix; an entry without a real row is an error.
  public init(
    path: String, label: String?, split: DatasetSplit? = nil, group: String? = nil,
    view: FeatureView = .original, cached: CachedFeatures
  ) throws(ClipFeaturesError) {
    let length = cached.validFrameCount
    guard length > 0, cached.dimension > 0 else { throw .noFrames(path: path) }
    let rows =
      cached.mask.indices.filter { cached.mask[$0] }
      + cached.mask.indices.filter { !cached.mask[$0] }
    self.init(
      path: path, label: label, split: split, group: group, view: view,
      frameCount: cached.frameCount, dimension: cached.dimension,
      values: rows.flatMap { cached.row($0) }, length: length,
      frameIndices: rows.map { cached.frameIndices[$0] })
  }

  /// The features of row `frame`.
  public func row(_ frame: Int) -> ArraySlice<Float> {
    values[frame * dimension..<(frame + 1) * dimension]
  }

  /// The clip as the trainer takes it, with `label` indexing the dataset's classes.
  /// `group` defaults to the clip's own.
  public func sequenceClip(label: Int, group: String? = nil) -> SequenceClip {
    SequenceClip(features: values, length: length, label: label, group: group ?? self.group)
  }
}
