import CFFmpeg
import Foundation

/// Reads a video file (any container and codec FFmpeg decodes) or a still image: its metadata,
/// and frames sampled and preprocessed into a `FrameBatch`.
///
/// A reader holds an open file and FFmpeg state: use it from one task at a time, and one reader
/// per file when decoding clips in parallel.
///
/// Sampling decodes forward and converts only the frames it keeps. When the next frame it
/// needs lies beyond a keyframe that is ahead of the decoder, it seeks to that keyframe, so the
/// cost of a long clip follows the number of samples. Frame counts stated by the container are
/// trusted until the stream proves them wrong, in which case uniform samples are placed again
/// over the frames that exist.
///
/// Frame `i` is the `i`-th frame decoding from the start yields, whether or not the read
/// seeks. A seek is placed by timestamps counted from the first frame's (not the container's
/// start time, which AVI files with B-frames state one frame early), so seeking stops in a
/// stream whose timestamps skip or repeat a frame slot (frames the decoder drops, as MPEG-4's
/// not-coded frames; a variable frame rate), and a read that had already sought in it starts
/// again without seeking.
public final class VideoReader {
  /// The file being read.
  public let url: URL
  /// When reads jump ahead instead of decoding every frame.
  public let seeking: Seeking
  private let decoderThreads: Int
  private var session: DecodeSession
  /// True until the first read; later reads reopen the file to start from its beginning.
  private var fresh = true

  /// What the file holds, from its header.
  public var info: VideoInfo { session.info }

  /// Opens `url`. `decoderThreads` is the decoder's own threading (1: none, the right choice
  /// when clips are decoded in parallel; 0: FFmpeg picks).
  public init(
    url: URL, decoderThreads: Int = 1, seeking: Seeking = .automatic
  ) throws(VideoError) {
    self.url = url
    self.seeking = seeking
    self.decoderThreads = decoderThreads
    session = try DecodeSession(path: url.path, threads: decoderThreads)
  }

  /// The metadata of the video at `url`, from its header.
  public static func info(of url: URL) throws(VideoError) -> VideoInfo {
    try VideoReader(url: url).info
  }

  /// Frames of the video at `url` sampled by `sampling`, as `size` × `size` RGB squares.
  public static func read(
    _ url: URL, sampling: FrameSampling = .default, size: Int = 224, bestEffort: Bool = false
  ) throws(VideoError) -> FrameBatch {
    try VideoReader(url: url).read(sampling, size: size, bestEffort: bestEffort)
  }

  /// Frames sampled by `sampling`, as `size` × `size` RGB squares (see `FrameBatch`).
  ///
  /// With `bestEffort`, damage in the stream (a cut-off end, a broken packet) is stepped over:
  /// the good frames come back and `FrameBatch.issue` says what happened. Without it, damage
  /// throws `.truncated` or `.decodeFailed`.
  public func read(
    _ sampling: FrameSampling = .default, size: Int = 224, bestEffort: Bool = false
  ) throws(VideoError) -> FrameBatch {
    var batch = FrameBatch(size: size, reservingFrames: sampling.maximumFrameCount ?? 0)
    try read(sampling, size: size, bestEffort: bestEffort, into: &batch)
    return batch
  }

  /// Like `read(_:size:bestEffort:)`, into `batch`, reusing its storage. `crop` picks the
  /// square kept of each frame (the centre one unless asked).
  public func read(
    _ sampling: FrameSampling = .default, size: Int = 224, crop: SquareCrop = .centre,
    bestEffort: Bool = false, into batch: inout FrameBatch
  ) throws(VideoError) {
    precondition(size > 0, "frame size must be positive")
    batch.reset(size: size)
    guard sampling.maximumFrameCount != 0 else { return }
    var plan = SamplingPlan(
      sampling, frameCount: info.frameCount, countIsExact: info.frameCountIsExact)
    var seeking = seeking
    var replanned = false
    reading: while true {
      if !fresh { session = try DecodeSession(path: url.path, threads: decoderThreads) }
      fresh = false
      batch.statistics.passes += 1
      switch try pass(
        plan, seeking: seeking, size: size, crop: crop, bestEffort: bestEffort, into: &batch)
      {
      case .stopped:
        break reading
      case .misled:
        // Frames placed by timestamps after a seek may be in the wrong slots.
        seeking = .never
        batch.clearFrames()
      case .ended(let counted):
        batch.streamFrameCount = counted
        guard !replanned, let next = plan.replanned(frameCount: counted) else { break reading }
        replanned = true
        plan = next
        batch.clearFrames()
      }
    }
    if batch.count == 0 {
      throw batch.issue
        ?? .decodeFailed(
          path: url.path, reason: "the stream holds no decodable frames", framesDecoded: 0)
    }
  }

  // MARK: One pass

  /// Without a keyframe index, a seek is only attempted across this many frames: beyond the
  /// keyframe interval of common encoders, so it lands after the decoder's position.
  private static let blindSeekDistance = 300

  /// How a pass ended.
  private enum PassEnd {
    /// It had every frame it wanted before the end of the stream.
    case stopped
    /// It reached the end of the stream, after this many frames.
    case ended(frames: Int)
    /// It sought, and then timestamps proved not to count frames (they skip or repeat a frame
    /// slot: frames the decoder drops, a variable frame rate).
    case misled
  }

  /// Where one pass stands: the targets still wanted and the decoder's position.
  private struct PassState {
    var cursor: SamplingPlan.Cursor
    let seeking: Seeking
    /// Index of the last decoded frame.
    var position = -1
    var seekable = true
    /// The next decoded frame is the first after a seek.
    var justSeeked = false
    /// A seek has placed frames by their timestamps.
    var sought = false
    /// The keyframe the last seek aimed at; nil for a seek without an index.
    var aim: Int64?
    /// Keyframes up to this one are not sought again: a seek toward it landed at or before
    /// where the decoder was (containers may start a seek from an earlier keyframe than their
    /// index names, for frames that reference across it).
    var fruitless = Int64.min
  }

  /// Decodes the clip once from the start, keeping the plan's frames, seeking as `seeking`
  /// allows while timestamps count frames.
  private func pass(
    _ plan: SamplingPlan, seeking: Seeking, size: Int, crop: SquareCrop, bestEffort: Bool,
    into batch: inout FrameBatch
  ) throws(VideoError) -> PassEnd {
    var clock = StreamClock(session.stream, frameRate: info.frameRate)
    let converter = FrameConverter(size: size, rotation: info.rotation, crop: crop)
    var state = PassState(cursor: SamplingPlan.Cursor(plan.targets), seeking: seeking)
    state.seekable = seeking != .never
    if state.seekable, plan.assumedFrameCount > Self.blindSeekDistance,
      !session.loadKeyframeIndex(
        start: clock.start, middle: clock.timestamp(ofIndex: plan.assumedFrameCount / 2))
    {
      try rewind(&state)
    }
    while true {
      let target = state.cursor.current
      if target == nil && !plan.countsToEnd { return .stopped }
      // With every target taken, only the end of the stream is still of interest.
      try seekIfWorthwhile(
        to: target ?? plan.assumedFrameCount - 1, state: &state, clock: clock, batch: &batch)
      guard let frame = try decodeNext(bestEffort: bestEffort, into: &batch) else {
        return .ended(frames: state.position + 1)
      }
      if state.position < 0 && state.seekable && !clock.setOrigin(frame) {
        state.seekable = false
      }
      var index = state.position + 1
      let stamped = clock.index(of: frame)
      if state.justSeeked {
        // Where a seek landed is known only from a timestamp.
        guard let stamped else {
          try rewind(&state)
          continue
        }
        if stamped <= state.position {
          if let aim = state.aim { state.fruitless = aim } else { state.seekable = false }
        }
        index = stamped
      } else if let stamped, stamped != index, state.seekable || state.sought {
        if state.sought { return .misled }
        state.seekable = false
      }
      if state.justSeeked, let target, index > target {
        // The seek landed past its target (an imprecise index).
        try rewind(&state)
        continue
      }
      state.justSeeked = false
      state.position = index
      guard let wanted = state.cursor.current, index >= wanted else { continue }
      try keep(
        frame, index: index, clock: clock, converter: converter, bestEffort: bestEffort,
        state: &state, batch: &batch)
    }
  }

  private func seekIfWorthwhile(
    to goal: Int, state: inout PassState, clock: StreamClock, batch: inout FrameBatch
  ) throws(VideoError) {
    guard state.seekable, clock.origin != nil else { return }
    let keyframe = session.keyframe(atOrBefore: clock.timestamp(ofIndex: goal))
    guard shouldSeek(from: state.position, to: goal, keyframe: keyframe, state: state, clock: clock)
    else { return }
    state.aim = keyframe
    if session.seek(toTimestamp: clock.timestamp(ofIndex: goal)) {
      state.justSeeked = true
      state.sought = true
      batch.statistics.seeks += 1
    } else {
      try rewind(&state)
    }
  }

  /// The next frame; damage is thrown, or with `bestEffort` noted in the batch and stepped over.
  private func decodeNext(
    bestEffort: Bool, into batch: inout FrameBatch
  ) throws(VideoError) -> UnsafeMutablePointer<AVFrame>? {
    let path = url.path
    let decoded = batch.statistics.decodedFrames
    let frame = try session.nextFrame { (reason, atEnd) throws(VideoError) in
      let error: VideoError =
        atEnd
        ? .truncated(
          path: path, reason: "the stream breaks off after \(decoded) frames (\(reason))")
        : .decodeFailed(path: path, reason: reason, framesDecoded: decoded)
      if !bestEffort { throw error }
      if batch.issue == nil { batch.issue = error }
    }
    if frame != nil { batch.statistics.decodedFrames += 1 }
    return frame
  }

  /// Goes back to the start of the file on a fresh session and decodes on from there, counting,
  /// without further seeks: after a seek failed (it may leave the demuxer anywhere, a raw H.264
  /// stream at its end) or landed past its target. Frames before the next target are decoded
  /// again but not kept twice.
  private func rewind(_ state: inout PassState) throws(VideoError) {
    session = try DecodeSession(path: url.path, threads: decoderThreads)
    state.seekable = false
    state.justSeeked = false
    state.position = -1
  }

  /// Converts the frame into the batch for every target it satisfies (more than one only when
  /// its index skips a target). A frame the decoder had to patch up (concealed errors) is
  /// damage: thrown, or with `bestEffort` kept and noted; unless it comes from a packet already
  /// known to be damaged, which is reported on its own (as a cut-off end, typically).
  private func keep(
    _ frame: UnsafeMutablePointer<AVFrame>, index: Int, clock: StreamClock,
    converter: FrameConverter, bestEffort: Bool, state: inout PassState,
    batch: inout FrameBatch
  ) throws(VideoError) {
    let damaged =
      frame.pointee.decode_error_flags != 0 || frame.pointee.flags & AV_FRAME_FLAG_CORRUPT != 0
    if damaged && !session.awaitsDamageVerdict {
      let error = VideoError.decodeFailed(
        path: url.path, reason: "frame \(index) is damaged (the decoder concealed errors)",
        framesDecoded: batch.statistics.decodedFrames)
      if !bestEffort { throw error }
      if batch.issue == nil { batch.issue = error }
    }
    let seconds = clock.seconds(of: frame, index: index)
    guard converter.append(frame, index: index, timestamp: seconds, to: &batch) else {
      throw .decodeFailed(
        path: url.path, reason: "frame \(index) cannot be converted to RGB",
        framesDecoded: batch.statistics.decodedFrames)
    }
    for _ in 1..<state.cursor.take(index) { batch.repeatLastFrame() }
  }

  /// Whether seeking to `keyframe`, the index's last before frame `goal`, skips enough
  /// decoding to pay off.
  private func shouldSeek(
    from position: Int, to goal: Int, keyframe: Int64?, state: PassState, clock: StreamClock
  ) -> Bool {
    guard case .beyond(let minimumSkip) = state.seeking, goal - position > minimumSkip else {
      return false
    }
    if let keyframe {
      return keyframe > state.fruitless
        && clock.index(ofTimestamp: keyframe) > position + minimumSkip
    }
    return goal - position > Self.blindSeekDistance
  }
}

extension VideoReader {
  /// When a read may seek ahead instead of decoding every frame on the way to the next one it
  /// keeps. Either way it keeps the same frames; seeking only decodes fewer.
  public enum Seeking: Sendable, Hashable {
    /// Decode every frame from the start, relying on no timestamps or keyframe index: the
    /// reference the seeking reads are checked against, and a way around a file whose
    /// timestamps are wrong.
    case never
    /// Seek when the keyframe before the next frame wanted lies more than this many frames
    /// ahead of the decoder.
    case beyond(frames: Int)

    /// What reads do unless asked otherwise: seek whenever that skips decoding at least one
    /// frame. On bench/pipeline's clips (320×240 MPEG-4, a keyframe every 12 frames) it decodes
    /// as few frames as seeking at every chance, and fewer in less time than seeking past more
    /// than 4 or 8 frames: a seek and a decoder flush cost less than decoding a frame.
    public static let automatic = Seeking.beyond(frames: 1)
  }
}

/// Converts between frame indices and a stream's timestamps, for a constant frame rate.
///
/// Two origins: the container's start time for what the demuxer deals in (seek targets, the
/// keyframe index), and the first decoded frame's timestamp for the index of a decoded frame.
/// They differ where the container stores decoding times only and the decoder holds frames
/// back: an AVI with B-frames starts at 0, its first frame comes out stamped 1. Seeking from the
/// earlier of the two lands at or before the frame wanted.
struct StreamClock {
  let start: Int64
  let tick: Double
  let frameRate: Double
  /// The first decoded frame's timestamp, frame 0's; nil until it is known.
  private(set) var origin: Int64?

  init(_ stream: UnsafeMutablePointer<AVStream>, frameRate: Double) {
    let start = stream.pointee.start_time
    self.start = start == FFmpeg.noTimestamp ? 0 : start
    tick = FFmpeg.seconds(stream.pointee.time_base)
    self.frameRate = frameRate
  }

  /// Takes `frame`, the first of the stream, as frame 0. False when it has no timestamp to
  /// count from.
  mutating func setOrigin(_ frame: UnsafeMutablePointer<AVFrame>) -> Bool {
    let stamp = frame.pointee.best_effort_timestamp
    guard stamp != FFmpeg.noTimestamp, tick > 0 else { return false }
    origin = stamp
    return true
  }

  /// Where the demuxer's timestamps start counting frames.
  private var demuxerOrigin: Int64 { min(start, origin ?? start) }

  /// The demuxer timestamp to seek to for frame `index`.
  func timestamp(ofIndex index: Int) -> Int64 {
    guard tick > 0 else { return demuxerOrigin }
    return demuxerOrigin + Int64((Double(index) / frameRate / tick).rounded())
  }

  /// The frame index of a demuxer timestamp (a keyframe's, from the index).
  func index(ofTimestamp timestamp: Int64) -> Int {
    frames(from: demuxerOrigin, to: timestamp)
  }

  /// The decoded frame's index from its timestamp; nil when it has none or the first frame's
  /// timestamp is unknown.
  func index(of frame: UnsafeMutablePointer<AVFrame>) -> Int? {
    let stamp = frame.pointee.best_effort_timestamp
    guard stamp != FFmpeg.noTimestamp, tick > 0, let origin else { return nil }
    return frames(from: origin, to: stamp)
  }

  private func frames(from origin: Int64, to timestamp: Int64) -> Int {
    Int((Double(timestamp - origin) * tick * frameRate).rounded())
  }

  /// Seconds from the start of the clip to the frame; from its index when it has no timestamp.
  func seconds(of frame: UnsafeMutablePointer<AVFrame>, index: Int) -> Double {
    let stamp = frame.pointee.best_effort_timestamp
    guard stamp != FFmpeg.noTimestamp, tick > 0 else { return Double(index) / frameRate }
    return max(0, Double(stamp - start) * tick)
  }
}
