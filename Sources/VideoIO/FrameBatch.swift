/// Frames sampled from one clip, preprocessed for a frame encoder.
///
/// Layout (fixed; frame encoders rely on it): each frame is a centre square crop of the upright
/// picture, resized to `size` × `size`, stored as interleaved RGB rows (HWC), and frames follow
/// each other (NHWC). Values are `Float` in 0...255, not normalised: each backbone applies its
/// own normalisation. `pixels.count == count * frameStride`.
///
/// Reading into an existing batch reuses its storage, so a loop over many clips allocates
/// only when a clip needs more frames than any before it.
public struct FrameBatch: Sendable {
  /// Side of each square frame, in pixels.
  public internal(set) var size: Int
  /// `count` frames of `size * size * 3` values each, NHWC, RGB, 0...255.
  public internal(set) var pixels: [Float]
  /// Index in the source clip of each frame (presentation order, from 0).
  public internal(set) var frameIndices: [Int]
  /// Presentation time in seconds of each frame, from the start of the clip.
  public internal(set) var timestamps: [Double]
  /// The number of frames in the clip, when the read went to its end and counted them;
  /// nil when it stopped after the last frame it needed.
  public internal(set) var streamFrameCount: Int?
  /// The problem a best-effort read stepped over (a damaged packet, a cut-off end); the frames
  /// in the batch are still good. Nil after a clean read.
  public internal(set) var issue: VideoError?
  /// How much decoding the read took.
  public internal(set) var statistics: DecodeStatistics

  /// An empty batch of `size` × `size` frames with room for `reservingFrames` frames.
  public init(size: Int = 224, reservingFrames: Int = 0) {
    precondition(size > 0, "frame size must be positive")
    self.size = size
    self.pixels = []
    self.pixels.reserveCapacity(reservingFrames * size * size * 3)
    self.frameIndices = []
    self.timestamps = []
    self.statistics = DecodeStatistics()
  }

  /// Number of frames in the batch.
  public var count: Int { frameIndices.count }

  /// Values per frame: `size * size * 3`.
  public var frameStride: Int { size * size * 3 }

  /// The values of frame `i` (HWC, RGB).
  public func frame(_ i: Int) -> ArraySlice<Float> {
    pixels[i * frameStride..<(i + 1) * frameStride]
  }

  /// Empties the batch for frames of `size` × `size`, keeping its storage.
  mutating func reset(size: Int) {
    precondition(size > 0, "frame size must be positive")
    self.size = size
    pixels.removeAll(keepingCapacity: true)
    frameIndices.removeAll(keepingCapacity: true)
    timestamps.removeAll(keepingCapacity: true)
    streamFrameCount = nil
    issue = nil
    statistics = DecodeStatistics()
  }

  /// Appends a frame whose `frameStride` values `write` appends to `pixels`, in order. Appended
  /// rather than written in place: an array cannot grow without initialising its new elements,
  /// and zeroing megabytes per clip first would cost a pass over them.
  mutating func appendFrame(index: Int, timestamp: Double, write: (inout [Float]) -> Void) {
    let start = pixels.count
    write(&pixels)
    precondition(pixels.count == start + frameStride, "a frame is size × size × 3 values")
    frameIndices.append(index)
    timestamps.append(timestamp)
  }

  /// Appends a copy of the last frame, for two sample points that fall on the same frame (a
  /// variable-frame-rate clip whose timestamps skip a frame slot).
  mutating func repeatLastFrame() {
    let last = frame(count - 1)
    pixels.append(contentsOf: last)
    frameIndices.append(frameIndices[frameIndices.count - 1])
    timestamps.append(timestamps[timestamps.count - 1])
  }
}

/// Work done by one read, to check that sampling a long clip decodes only near the samples.
public struct DecodeStatistics: Sendable, Hashable {
  /// Frames the decoder produced, kept or not.
  public var decodedFrames = 0
  /// Seeks to a keyframe ahead of the decoder's position.
  public var seeks = 0
  /// Passes over the clip: one more when the container's frame count proved wrong and the
  /// sample points were placed again with the true count, and one more when timestamps proved
  /// not to count frames after a seek and the clip was read again without seeking.
  public var passes = 0
}

extension FrameBatch {
  /// Drops the frames, keeping storage, statistics and any issue (for a second pass).
  mutating func clearFrames() {
    pixels.removeAll(keepingCapacity: true)
    frameIndices.removeAll(keepingCapacity: true)
    timestamps.removeAll(keepingCapacity: true)
  }
}
