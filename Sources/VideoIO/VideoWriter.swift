import CFFmpeg
import Foundation

/// Writes RGB frames to a video file with libavcodec, for test clips and synthetic datasets.
///
/// The container follows the file extension (`.avi`, `.mp4`, `.mkv`, `.mov`, ...). The file
/// appears only when `finish()` succeeds: frames go to a hidden temporary file in the same
/// folder, renamed into place at the end.
///
///     let writer = try VideoWriter(url: url, width: 64, height: 48)
///     for frame in frames { try writer.append(frame) }   // RGB24, width * height * 3 bytes
///     try writer.finish()
public final class VideoWriter {
  /// Video codecs the writer can use.
  public enum Codec: String, Sendable, CaseIterable {
    /// MPEG-4 Part 2 (FFmpeg's built-in encoder), the codec of classic AVI datasets.
    case mpeg4
    /// H.264 through libx264, when the linked FFmpeg has it.
    case h264

    /// FFmpeg encoder names to try, in order.
    var encoderNames: [String] {
      switch self {
      case .mpeg4: return ["mpeg4"]
      case .h264: return ["libx264"]
      }
    }

    /// Whether the linked FFmpeg has an encoder for this codec.
    public var isAvailable: Bool { encoder != nil }

    var encoder: UnsafePointer<AVCodec>? {
      for name in encoderNames {
        if let codec = avcodec_find_encoder_by_name(name) { return codec }
      }
      return nil
    }
  }

  /// How to encode.
  public struct Options: Sendable {
    public var codec: Codec
    /// Frames per second.
    public var frameRate: Int
    /// Frames from one keyframe to the next.
    public var keyframeInterval: Int
    /// Clockwise rotation (0, 90, 180, 270) that players should apply, recorded in the
    /// container's display matrix (MP4, MOV and MKV keep it; AVI cannot).
    public var rotation: Int
    /// Most B-frames in a row; nil leaves it to the encoder (MPEG-4: none, libx264: its
    /// preset's). B-frames make the decoder hold frames back, which in AVI shifts the decoded
    /// frames' timestamps one frame after the container's start, as in UCF101's Xvid clips.
    public var bFrames: Int?

    public init(
      codec: Codec = .mpeg4, frameRate: Int = 25, keyframeInterval: Int = 12, rotation: Int = 0,
      bFrames: Int? = nil
    ) {
      self.codec = codec
      self.frameRate = frameRate
      self.keyframeInterval = keyframeInterval
      self.rotation = rotation
      self.bFrames = bFrames
    }
  }

  /// The file the video ends up in.
  public let url: URL
  public let width: Int
  public let height: Int
  private let temporaryURL: URL
  private let format: UnsafeMutablePointer<AVFormatContext>
  private let stream: UnsafeMutablePointer<AVStream>
  private let encoder: UnsafeMutablePointer<AVCodecContext>
  private let frame: UnsafeMutablePointer<AVFrame>
  private let packet: UnsafeMutablePointer<AVPacket>
  private let scaler: OpaquePointer
  private var framesWritten: Int64 = 0
  private var state = State.open
  /// FFmpeg's error lines about this file.
  private let log = LogCapture()

  private enum State { case open, finished, failed }

  /// Starts a video of `width` × `height` pixels (both even) at `url`.
  public init(url: URL, width: Int, height: Int, options: Options = Options()) throws(VideoError) {
    let path = url.path
    guard width > 0, height > 0, width % 2 == 0, height % 2 == 0 else {
      throw .writeFailed(path: path, reason: "width and height must be positive and even")
    }
    guard let codec = options.codec.encoder else {
      throw .writeFailed(path: path, reason: "this FFmpeg has no \(options.codec) encoder")
    }
    guard let container = av_guess_format(nil, url.lastPathComponent, nil) else {
      throw .writeFailed(path: path, reason: "no container format for this file extension")
    }
    self.url = url
    self.width = width
    self.height = height
    temporaryURL = url.deletingLastPathComponent()
      .appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).partial")

    log.begin()
    var formatContext: UnsafeMutablePointer<AVFormatContext>?
    var code = avformat_alloc_output_context2(&formatContext, container, nil, temporaryURL.path)
    guard code >= 0, let format = formatContext else {
      throw .writeFailed(path: path, reason: log.reason(code))
    }
    self.format = format
    stream = avformat_new_stream(format, nil)
    encoder = avcodec_alloc_context3(codec)
    frame = av_frame_alloc()
    packet = av_packet_alloc()
    scaler = sws_getContext(
      Int32(width), Int32(height), AV_PIX_FMT_RGB24, Int32(width), Int32(height),
      AV_PIX_FMT_YUV420P, SWS_BICUBIC, nil, nil, nil)

    configureEncoder(
      options: options, globalHeader: container.pointee.flags & AVFMT_GLOBALHEADER != 0)
    code = avcodec_open2(encoder, codec, nil)
    if code >= 0 { code = avcodec_parameters_from_context(stream.pointee.codecpar, encoder) }
    if code >= 0 {
      stream.pointee.time_base = encoder.pointee.time_base
      stream.pointee.avg_frame_rate = encoder.pointee.framerate
      if options.rotation % 360 != 0 {
        code = vidi_stream_set_display_rotation(stream, Double(options.rotation))
      }
    }
    if code >= 0 { code = avio_open(&format.pointee.pb, temporaryURL.path, AVIO_FLAG_WRITE) }
    if code >= 0 { code = avformat_write_header(format, nil) }
    if code >= 0 {
      frame.pointee.format = AV_PIX_FMT_YUV420P.rawValue
      frame.pointee.width = Int32(width)
      frame.pointee.height = Int32(height)
      code = av_frame_get_buffer(frame, 0)
    }
    guard code >= 0 else {
      state = .failed
      throw .writeFailed(path: path, reason: log.reason(code))
    }
  }

  private func configureEncoder(options: Options, globalHeader: Bool) {
    let context = encoder
    context.pointee.width = Int32(width)
    context.pointee.height = Int32(height)
    context.pointee.pix_fmt = AV_PIX_FMT_YUV420P
    context.pointee.time_base = AVRational(num: 1, den: Int32(options.frameRate))
    context.pointee.framerate = AVRational(num: Int32(options.frameRate), den: 1)
    context.pointee.gop_size = Int32(max(options.keyframeInterval, 1))
    if let bFrames = options.bFrames { context.pointee.max_b_frames = Int32(max(bFrames, 0)) }
    if globalHeader { context.pointee.flags |= AV_CODEC_FLAG_GLOBAL_HEADER }
    switch options.codec {
    case .mpeg4:
      // A fixed quantiser keeps flat test patterns within a couple of levels of the input.
      context.pointee.flags |= AV_CODEC_FLAG_QSCALE
      context.pointee.global_quality = FF_QP2LAMBDA * 2
    case .h264:
      av_opt_set(context.pointee.priv_data, "preset", "veryfast", 0)
      av_opt_set(context.pointee.priv_data, "crf", "16", 0)
    }
  }

  deinit {
    var encoder: UnsafeMutablePointer<AVCodecContext>? = encoder
    avcodec_free_context(&encoder)
    var frame: UnsafeMutablePointer<AVFrame>? = frame
    av_frame_free(&frame)
    var packet: UnsafeMutablePointer<AVPacket>? = packet
    av_packet_free(&packet)
    sws_freeContext(scaler)
    if format.pointee.pb != nil { avio_closep(&format.pointee.pb) }
    avformat_free_context(format)
    if state != .finished { try? FileManager.default.removeItem(at: temporaryURL) }
  }

  /// Number of frames appended so far.
  public var frameCount: Int { Int(framesWritten) }

  /// Appends one frame: `width * height` RGB pixels, row by row, 3 bytes each.
  public func append(_ rgb: [UInt8]) throws(VideoError) {
    guard state == .open else { throw failure("the writer is already finished") }
    guard rgb.count == width * height * 3 else {
      throw failure("a frame must have \(width * height * 3) bytes, not \(rgb.count)")
    }
    var code = av_frame_make_writable(frame)
    guard code >= 0 else { throw fail(code) }
    rgb.withUnsafeBufferPointer { pixels in
      var source: UnsafePointer<UInt8>? = pixels.baseAddress
      var sourceStride = Int32(width * 3)
      withUnsafePointer(to: &frame.pointee.data) { planes in
        withUnsafePointer(to: &frame.pointee.linesize) { strides in
          planes.withMemoryRebound(to: UnsafeMutablePointer<UInt8>?.self, capacity: 8) { dst in
            strides.withMemoryRebound(to: Int32.self, capacity: 8) { dstStrides in
              _ = sws_scale(scaler, &source, &sourceStride, 0, Int32(height), dst, dstStrides)
            }
          }
        }
      }
    }
    frame.pointee.pts = framesWritten
    framesWritten += 1
    log.begin()
    code = avcodec_send_frame(encoder, frame)
    guard code >= 0 else { throw fail(code) }
    try writePackets()
  }

  /// Flushes the encoder, completes the container and moves the file into place.
  public func finish() throws(VideoError) {
    guard state == .open else { throw failure("the writer is already finished") }
    log.begin()
    var code = avcodec_send_frame(encoder, nil)
    guard code >= 0 else { throw fail(code) }
    try writePackets()
    code = av_write_trailer(format)
    guard code >= 0 else { throw fail(code) }
    avio_closep(&format.pointee.pb)
    do {
      if FileManager.default.fileExists(atPath: url.path) {
        _ = try FileManager.default.replaceItemAt(url, withItemAt: temporaryURL)
      } else {
        try FileManager.default.moveItem(at: temporaryURL, to: url)
      }
    } catch {
      throw failure(error.localizedDescription)
    }
    state = .finished
  }

  /// Moves every packet the encoder has ready into the container.
  private func writePackets() throws(VideoError) {
    while true {
      let code = avcodec_receive_packet(encoder, packet)
      if code == FFmpeg.again || code == FFmpeg.eof { return }
      guard code >= 0 else { throw fail(code) }
      av_packet_rescale_ts(packet, encoder.pointee.time_base, stream.pointee.time_base)
      packet.pointee.stream_index = stream.pointee.index
      let written = av_interleaved_write_frame(format, packet)
      guard written >= 0 else { throw fail(written) }
    }
  }

  private func fail(_ code: Int32) -> VideoError { failure(log.reason(code)) }

  private func failure(_ reason: String) -> VideoError {
    if state == .open { state = .failed }
    return .writeFailed(path: url.path, reason: reason)
  }
}
