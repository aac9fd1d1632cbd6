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
public final class VideoReader {
  /// The file being read.
  public let url: URL
  private let decoderThreads: Int
  private var session: DecodeSession
  /// True until the first read; later reads reopen the file to start from its beginning.
  private var fresh = true

  /// What the file holds, from its header.
  public var info: VideoInfo { session.info }

  /// Opens `url`. `decoderThreads` is the decoder's own threading (1: none, the right choice
  /// when clips are decoded in parallel; 0: FFmpeg picks).
  public init(url: URL, decoderThreads: Int = 1) throws(VideoError) {
    self.url = url
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
    while true {
      if !fresh { session = try DecodeSession(path: url.path, threads: decoderThreads) }
      fresh = false
      batch.statistics.passes += 1
      let counted = try pass(
        plan, size: size, crop: crop, bestEffort: bestEffort, into: &batch)
      if let counted { batch.streamFrameCount = counted }
      guard let counted, batch.statistics.passes == 1,
        let next = plan.replanned(frameCount: counted)
      else { break }
      plan = next
      batch.clearFrames()
    }
    if batch.count == 0 {
      throw batch.issue
        ?? .decodeFailed(
          path: url.path, reason: "the stream holds no decodable frames", framesDecoded: 0)
    }
  }

  // MARK: One pass

  /// Frames decoded from the decoder's position to a target are skipped by a seek only when it
  /// saves more than this many; below that the seek and the decoder flush cost about as much.
  private static let minimumSkip = 8
  /// Without a keyframe index, a seek is only attempted across this many frames: beyond the
  /// keyframe interval of common encoders, so it lands after the decoder's position.
  private static let blindSeekDistance = 300

  /// Where one pass stands: the targets still wanted and the decoder's position.
  private struct PassState {
    var cursor: SamplingPlan.Cursor
    /// Index of the last decoded frame.
    var position = -1
    /// After a seek, frame indices come from timestamps instead of counting.
    var timed = false
    var seekable = true
    /// The next decoded frame is the first after a seek.
    var justSeeked = false
  }

  /// Decodes the clip once from the start, keeping the plan's frames. Returns the number of
  /// frames in the stream when the pass reached its end, nil when it stopped early.
  private func pass(
    _ plan: SamplingPlan, size: Int, crop: SquareCrop, bestEffort: Bool,
    into batch: inout FrameBatch
  ) throws(VideoError) -> Int? {
    let clock = StreamClock(session.stream, frameRate: info.frameRate)
    let converter = FrameConverter(size: size, rotation: info.rotation, crop: crop)
    var state = PassState(cursor: SamplingPlan.Cursor(plan.targets))
    if plan.assumedFrameCount > Self.blindSeekDistance,
      !session.loadKeyframeIndex(
        start: clock.start, middle: clock.timestamp(ofIndex: plan.assumedFrameCount / 2))
    {
      try rewind(&state)
    }
    while true {
      let target = state.cursor.current
      if target == nil && !plan.countsToEnd { return nil }
      // With every target taken, only the end of the stream is still of interest.
      try seekIfWorthwhile(
        to: target ?? plan.assumedFrameCount - 1, state: &state, clock: clock, batch: &batch)
      guard let frame = try decodeNext(bestEffort: bestEffort, into: &batch) else {
        return state.position + 1
      }
      var index = state.position + 1
      if state.timed, let stamped = clock.index(of: frame) {
        index = state.justSeeked ? stamped : max(stamped, state.position + 1)
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
    guard state.seekable, shouldSeek(from: state.position, to: goal, clock: clock) else { return }
    if session.seek(toTimestamp: clock.timestamp(ofIndex: goal)) {
      state.timed = true
      state.justSeeked = true
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
    state.timed = false
    state.justSeeked = false
    state.position = -1
  }

  /// Converts the frame into the batch for every target it satisfies (more than one only when
  /// timestamps skip a frame slot). A frame the decoder had to patch up (concealed errors) is
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

  /// Whether seeking to the keyframe before frame `goal` skips enough decoding to pay off.
  private func shouldSeek(from position: Int, to goal: Int, clock: StreamClock) -> Bool {
    guard goal - position > Self.minimumSkip else { return false }
    if let keyframe = session.keyframe(atOrBefore: clock.timestamp(ofIndex: goal)) {
      return clock.index(ofTimestamp: keyframe) > position + Self.minimumSkip
    }
    return goal - position > Self.blindSeekDistance
  }
}

/// Converts between frame indices and a stream's timestamps, for a constant frame rate.
struct StreamClock {
  let start: Int64
  let tick: Double
  let frameRate: Double

  init(_ stream: UnsafeMutablePointer<AVStream>, frameRate: Double) {
    let start = stream.pointee.start_time
    self.start = start == FFmpeg.noTimestamp ? 0 : start
    tick = FFmpeg.seconds(stream.pointee.time_base)
    self.frameRate = frameRate
  }

  func timestamp(ofIndex index: Int) -> Int64 {
    guard tick > 0 else { return start }
    return start + Int64((Double(index) / frameRate / tick).rounded())
  }

  func index(ofTimestamp timestamp: Int64) -> Int {
    Int((Double(timestamp - start) * tick * frameRate).rounded())
  }

  /// The frame's index from its timestamp; nil when it has none.
  func index(of frame: UnsafeMutablePointer<AVFrame>) -> Int? {
    let stamp = frame.pointee.best_effort_timestamp
    guard stamp != FFmpeg.noTimestamp, tick > 0 else { return nil }
    return index(ofTimestamp: stamp)
  }

  /// Seconds from the start of the clip to the frame; from its index when it has no timestamp.
  func seconds(of frame: UnsafeMutablePointer<AVFrame>, index: Int) -> Double {
    let stamp = frame.pointee.best_effort_timestamp
    guard stamp != FFmpeg.noTimestamp, tick > 0 else { return Double(index) / frameRate }
    return max(0, Double(stamp - start) * tick)
  }
}
