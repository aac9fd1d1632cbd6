import CFFmpeg
import Foundation

/// Reads a video front to back once, keeping frames at a fixed rate in time, and hands them
/// over a few at a time: for long videos and streams, where a whole `FrameBatch` would not fit
/// in memory and the length may be unknown.
///
/// Sample `k` is the first decoded frame whose presentation time reaches `k / rate` seconds
/// (frame 0 is always sample 0). When the video's frame rate is below `rate`, a frame stands
/// for every sample time it reaches, so samples stay evenly spaced in time.
///
///     let stream = try FrameStream(url: url, rate: 4, size: 224)
///     var batch = FrameBatch(size: 224)
///     while try stream.next(into: &batch, limit: 16) { encode(batch) }
///
/// The same pass can also keep the frames a clip sampling picks (`keeping:`), exactly those
/// `VideoReader.read` gives for it, so a caller that wants both a long video's samples and its
/// clip frames decodes the video once.
///
/// Not thread-safe; one stream per reading task.
public final class FrameStream {
  /// The file being read.
  public let url: URL
  /// Samples per second.
  public let rate: Double
  /// Side of the square frames handed over.
  public let size: Int
  private let session: DecodeSession
  private let converter: FrameConverter
  private let clock: StreamClock
  private let bestEffort: Bool
  /// Index of the last decoded frame.
  private var position = -1
  /// The next sample number wanted.
  private var nextSample = 0
  private var ended = false
  /// Damage stepped over so far (with `bestEffort`).
  public private(set) var issue: VideoError?
  /// Frames decoded so far, kept or not.
  public private(set) var decodedFrames = 0
  /// The clip sampling's frames gathered so far, one batch per size asked for.
  private var clip: ClipFrames?

  /// What the file holds, from its header.
  public var info: VideoInfo { session.info }

  /// Opens `url` for reading `rate` frames per second as `size` × `size` squares. With
  /// `bestEffort`, damage in the stream is stepped over and noted in `issue`.
  ///
  /// `keeping` also gathers the frames that sampling picks from the whole video, as
  /// `sizes` × `sizes` squares, for `keptFrames` once the stream has ended.
  public init(
    url: URL, rate: Double, size: Int = 224, bestEffort: Bool = true, decoderThreads: Int = 1,
    keeping sampling: FrameSampling? = nil, sizes: [Int] = []
  ) throws(VideoError) {
    precondition(rate > 0 && rate.isFinite, "sampling rate must be positive")
    precondition(size > 0, "frame size must be positive")
    self.url = url
    self.rate = rate
    self.size = size
    self.bestEffort = bestEffort
    session = try DecodeSession(path: url.path, threads: decoderThreads)
    converter = FrameConverter(size: size, rotation: session.info.rotation)
    clock = StreamClock(session.stream, frameRate: session.info.frameRate)
    if let sampling, !sizes.isEmpty {
      let info = session.info
      clip = ClipFrames(
        plan: SamplingPlan(
          sampling, frameCount: info.frameCount, countIsExact: info.frameCountIsExact),
        sizes: sizes, rotation: info.rotation)
    }
  }

  /// The frames `keeping:` asked for, by size, once the stream has ended: those
  /// `VideoReader.read` gives for the sampling. Nil before the end, and when the header's
  /// frame count proved wrong so the frames were placed over a length the video does not have
  /// (`VideoReader` reads again then; so must the caller).
  public var keptFrames: [Int: FrameBatch]? {
    guard ended, let clip, clip.plan.replanned(frameCount: position + 1) == nil else {
      return nil
    }
    return clip.batches
  }

  /// Empties `batch` and fills it with up to `limit` next samples. Returns false, with an empty
  /// batch, once the stream has ended. `FrameBatch.timestamps` are the frames' presentation
  /// times; `frameIndices` their positions in the stream.
  public func next(into batch: inout FrameBatch, limit: Int) throws(VideoError) -> Bool {
    precondition(limit > 0, "ask for at least one frame")
    batch.reset(size: size)
    while !ended && batch.count < limit {
      guard let frame = try decodeNext() else {
        ended = true
        break
      }
      position += 1
      let index = position
      let seconds = clock.seconds(of: frame, index: index)
      try clip?.keep(frame, index: index, seconds: seconds, path: url.path)
      // Half a frame of slack, so timestamps rounded down do not skip a sample.
      let slack = 0.5 / max(info.frameRate, 1)
      guard index == 0 || seconds + slack >= Double(nextSample) / rate else { continue }
      guard converter.append(frame, index: index, timestamp: seconds, to: &batch) else {
        throw .decodeFailed(
          path: url.path, reason: "frame \(index) cannot be converted to RGB",
          framesDecoded: decodedFrames)
      }
      nextSample += 1
      while Double(nextSample) / rate <= seconds + slack && batch.count < limit {
        batch.repeatLastFrame()
        nextSample += 1
      }
      // Samples a full batch could not take are dropped rather than carried over: a frame
      // rate this far below the sampling rate is a still picture, not a video.
      while Double(nextSample) / rate <= seconds + slack { nextSample += 1 }
    }
    if batch.count == 0 && decodedFrames == 0 {
      throw issue
        ?? .decodeFailed(
          path: url.path, reason: "the stream holds no decodable frames", framesDecoded: 0)
    }
    return batch.count > 0
  }

  /// The frames a clip sampling picks, gathered as a `VideoReader` pass keeps them.
  private struct ClipFrames {
    let plan: SamplingPlan
    var cursor: SamplingPlan.Cursor
    var batches: [Int: FrameBatch]
    let converters: [Int: FrameConverter]

    init(plan: SamplingPlan, sizes: [Int], rotation: Int) {
      self.plan = plan
      cursor = SamplingPlan.Cursor(plan.targets)
      let maximum = plan.sampling.maximumFrameCount ?? 0
      batches = Dictionary(
        sizes.map { ($0, FrameBatch(size: $0, reservingFrames: maximum)) },
        uniquingKeysWith: { first, _ in first })
      converters = Dictionary(
        sizes.map { ($0, FrameConverter(size: $0, rotation: rotation)) },
        uniquingKeysWith: { first, _ in first })
    }

    /// Keeps the frame for every target it reaches (more than one only when a frame slot was
    /// skipped), at every size.
    mutating func keep(
      _ frame: UnsafeMutablePointer<AVFrame>, index: Int, seconds: Double, path: String
    ) throws(VideoError) {
      let taken = cursor.take(index)
      guard taken > 0 else { return }
      for (size, converter) in converters {
        guard converter.append(frame, index: index, timestamp: seconds, to: &batches[size]!)
        else {
          throw .decodeFailed(
            path: path, reason: "frame \(index) cannot be converted to RGB", framesDecoded: index)
        }
      }
      for _ in 1..<taken {
        for size in converters.keys { batches[size]!.repeatLastFrame() }
      }
    }
  }

  private func decodeNext() throws(VideoError) -> UnsafeMutablePointer<AVFrame>? {
    let path = url.path
    let decoded = decodedFrames
    let bestEffort = bestEffort
    var noted: VideoError?
    let frame = try session.nextFrame { (reason, atEnd) throws(VideoError) in
      let error: VideoError =
        atEnd
        ? .truncated(
          path: path, reason: "the stream breaks off after \(decoded) frames (\(reason))")
        : .decodeFailed(path: path, reason: reason, framesDecoded: decoded)
      if !bestEffort { throw error }
      noted = error
    }
    if issue == nil { issue = noted }
    if frame != nil { decodedFrames += 1 }
    return frame
  }
}
