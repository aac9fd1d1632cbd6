import CFFmpeg
import Foundation

/// An opened file: its demuxer, the chosen video stream and a decoder for it. Owns the FFmpeg
/// objects and frees them on deinit. Not thread-safe; one session serves one reader.
final class DecodeSession {
  let path: String
  let format: UnsafeMutablePointer<AVFormatContext>
  let stream: UnsafeMutablePointer<AVStream>
  let decoder: UnsafeMutablePointer<AVCodecContext>
  let packet: UnsafeMutablePointer<AVPacket>
  let frame: UnsafeMutablePointer<AVFrame>
  let info: VideoInfo
  /// FFmpeg's error lines about this file (and no other).
  let log: LogCapture
  /// Set once the demuxer is exhausted and the decoder has been told so.
  private var draining = false
  /// Damage seen in the stream whose consequence (mid-stream or cut-off end) is not known yet.
  private var pendingDamage: String?

  /// True while damage is pending: frames decoded now may be broken by it, and it will be
  /// reported once it is known whether the stream goes on.
  var awaitsDamageVerdict: Bool { pendingDamage != nil }

  /// Keeps a stream's interrupt callback alive as long as the demuxer that calls it.
  let interrupt: StreamInterrupt?

  /// Opens `path` and a decoder for its best video stream, classifying any failure.
  convenience init(path: String, threads: Int) throws(VideoError) {
    try Self.checkFile(path)
    let log = LogCapture()
    log.begin()
    // A context made here rather than by avformat_open_input, so its lines reach `log` from
    // the start (avformat_open_input frees it on failure).
    var opened = avformat_alloc_context()
    opened?.pointee.opaque = log.tag
    let openCode = avformat_open_input(&opened, path, nil, nil)
    guard openCode >= 0, let format = opened else {
      throw Self.openFailure(path: path, code: openCode, log: log)
    }
    try self.init(path: path, opened: format, threads: threads, log: log, interrupt: nil)
  }

  /// Finds the best video stream of an opened demuxer and opens a decoder for it; closes
  /// `format` when that fails.
  init(
    path: String, opened format: UnsafeMutablePointer<AVFormatContext>, threads: Int,
    log: LogCapture, interrupt: StreamInterrupt?
  ) throws(VideoError) {
    self.path = path
    self.interrupt = interrupt
    var formatOwner: UnsafeMutablePointer<AVFormatContext>? = format
    let findCode = avformat_find_stream_info(format, nil)
    if findCode < 0 {
      let reason = log.reason(findCode)
      avformat_close_input(&formatOwner)
      throw .truncated(path: path, reason: reason)
    }
    guard let stream = Self.videoStream(in: format) else {
      avformat_close_input(&formatOwner)
      throw .noVideoStream(path: path)
    }
    let decoder: UnsafeMutablePointer<AVCodecContext>
    do {
      decoder = try Self.openDecoder(for: stream, path: path, threads: threads, log: log)
    } catch {
      avformat_close_input(&formatOwner)
      throw error
    }
    self.format = format
    self.stream = stream
    self.decoder = decoder
    self.packet = av_packet_alloc()
    self.frame = av_frame_alloc()
    self.info = Self.describe(format: format, stream: stream)
    self.log = log
  }

  deinit {
    var packet: UnsafeMutablePointer<AVPacket>? = packet
    av_packet_free(&packet)
    var frame: UnsafeMutablePointer<AVFrame>? = frame
    av_frame_free(&frame)
    var decoder: UnsafeMutablePointer<AVCodecContext>? = decoder
    avcodec_free_context(&decoder)
    var format: UnsafeMutablePointer<AVFormatContext>? = format
    avformat_close_input(&format)
  }

  /// The errors a path can produce before FFmpeg sees it.
  static func checkFile(_ path: String) throws(VideoError) {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
      throw .missing(path: path)
    }
    guard !isDirectory.boolValue else { throw .unreadable(path: path, reason: "is a directory") }
    guard FileManager.default.isReadableFile(atPath: path) else {
      throw .unreadable(path: path, reason: "permission denied")
    }
    let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? nil
    if size == 0 { throw .empty(path: path) }
  }

  /// A failed open means "not a video" unless FFmpeg recognises the format from the file's
  /// first bytes, in which case the rest of the file is what is missing or broken.
  private static func openFailure(path: String, code: Int32, log: LogCapture) -> VideoError {
    let reason = log.reason(code)
    if let format = recognisedFormat(path: path) {
      return .truncated(path: path, reason: "\(format): \(reason)")
    }
    if code == FFmpeg.eof || code == vidi_averror_invaliddata() {
      return .notAVideo(path: path, reason: "FFmpeg recognises no video or image format in it")
    }
    return .unreadable(path: path, reason: reason)
  }

  /// The name of the format FFmpeg's content probe finds in the first bytes of the file.
  private static func recognisedFormat(path: String) -> String? {
    guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
    defer { try? handle.close() }
    guard let head = try? handle.read(upToCount: 4096), !head.isEmpty else { return nil }
    // FFmpeg's probes may read past the end; it asks for zeroed padding after the data.
    var bytes = [UInt8](head)
    bytes.append(contentsOf: repeatElement(0, count: Int(AVPROBE_PADDING_SIZE)))
    return bytes.withUnsafeMutableBufferPointer { buffer -> String? in
      var probe = AVProbeData()
      probe.buf = buffer.baseAddress
      probe.buf_size = Int32(head.count)
      var score: Int32 = 0
      // Without the file name only the bytes count: an extension alone proves nothing.
      guard let format = av_probe_input_format3(&probe, 1, &score),
        score >= AVPROBE_SCORE_MAX / 4
      else { return nil }
      return String(cString: format.pointee.name)
    }
  }

  /// The container's main video stream, ignoring cover art attached to audio files.
  private static func videoStream(
    in format: UnsafeMutablePointer<AVFormatContext>
  ) -> UnsafeMutablePointer<AVStream>? {
    let best = av_find_best_stream(format, AVMEDIA_TYPE_VIDEO, -1, -1, nil, 0)
    let candidates = (best >= 0 ? [Int(best)] : []) + Array(0..<Int(format.pointee.nb_streams))
    for index in candidates {
      guard let stream = format.pointee.streams[index],
        stream.pointee.codecpar.pointee.codec_type == AVMEDIA_TYPE_VIDEO,
        stream.pointee.disposition & AV_DISPOSITION_ATTACHED_PIC == 0
      else { continue }
      return stream
    }
    return nil
  }

  private static func openDecoder(
    for stream: UnsafeMutablePointer<AVStream>, path: String, threads: Int, log: LogCapture
  ) throws(VideoError) -> UnsafeMutablePointer<AVCodecContext> {
    let parameters = stream.pointee.codecpar!
    guard let codec = avcodec_find_decoder(parameters.pointee.codec_id) else {
      throw .unsupportedCodec(path: path, codec: codecName(parameters))
    }
    guard var context = avcodec_alloc_context3(codec) else {
      throw .unreadable(path: path, reason: "out of memory")
    }
    var owner: UnsafeMutablePointer<AVCodecContext>? = context
    log.begin()
    var code = avcodec_parameters_to_context(context, parameters)
    if code >= 0 {
      // Decoder threads copy the context, `opaque` included: their lines reach `log` too.
      context.pointee.opaque = log.tag
      context.pointee.thread_count = Int32(max(threads, 0))
      context.pointee.pkt_timebase = stream.pointee.time_base
      code = avcodec_open2(context, codec, nil)
    }
    guard code >= 0 else {
      let reason = log.reason(code)
      avcodec_free_context(&owner)
      throw .unsupportedCodec(path: path, codec: "\(codecName(parameters)) (\(reason))")
    }
    context = owner!
    return context
  }

  /// FFmpeg's codec name, or the container's four-character code when FFmpeg has no codec
  /// for it (an AVI with an unknown FourCC).
  private static func codecName(_ parameters: UnsafePointer<AVCodecParameters>) -> String {
    let id = parameters.pointee.codec_id
    if id != AV_CODEC_ID_NONE { return String(cString: avcodec_get_name(id)) }
    let tag = parameters.pointee.codec_tag
    let characters = (0..<4).map { UInt8(truncatingIfNeeded: tag >> (8 * $0)) }
    if characters.allSatisfy({ (0x20..<0x7f).contains($0) }) {
      return "FourCC '\(String(decoding: characters, as: UTF8.self))'"
    }
    return "unknown"
  }

  private static func describe(
    format: UnsafeMutablePointer<AVFormatContext>, stream: UnsafeMutablePointer<AVStream>
  ) -> VideoInfo {
    let parameters = stream.pointee.codecpar.pointee
    let container = String(cString: format.pointee.iformat.pointee.name)
    let isStill = container == "image2" || container.hasSuffix("_pipe")
    let frameRate = Self.frameRate(stream)
    var duration = 0.0
    if stream.pointee.duration != FFmpeg.noTimestamp, stream.pointee.duration > 0 {
      duration = Double(stream.pointee.duration) * FFmpeg.seconds(stream.pointee.time_base)
    } else if format.pointee.duration != FFmpeg.noTimestamp, format.pointee.duration > 0 {
      duration = Double(format.pointee.duration) / Double(AV_TIME_BASE)
    }
    var frameCount = Int(stream.pointee.nb_frames)
    var exact = frameCount > 0
    if isStill {
      (frameCount, exact, duration) = (1, true, 0)
    } else if !exact {
      frameCount = Int((duration * frameRate).rounded())
    }
    let rotation = Self.rotation(stream)
    let turned = rotation == 90 || rotation == 270
    let width = Int(parameters.width)
    let height = Int(parameters.height)
    return VideoInfo(
      duration: duration, frameRate: frameRate, frameCount: frameCount,
      frameCountIsExact: exact, width: turned ? height : width, height: turned ? width : height,
      codec: String(cString: avcodec_get_name(parameters.codec_id)), rotation: rotation,
      container: container, isStillImage: isStill)
  }

  private static func frameRate(_ stream: UnsafeMutablePointer<AVStream>) -> Double {
    for rate in [stream.pointee.avg_frame_rate, stream.pointee.r_frame_rate]
    where rate.num > 0 && rate.den > 0 {
      return Double(rate.num) / Double(rate.den)
    }
    return 25
  }

  /// The clockwise turn, a multiple of 90°, that the display matrix asks for. FFmpeg's angle is
  /// counter-clockwise, hence the sign.
  private static func rotation(_ stream: UnsafeMutablePointer<AVStream>) -> Int {
    guard let matrix = vidi_stream_display_matrix(stream) else { return 0 }
    let angle = av_display_rotation_get(matrix)
    guard angle.isFinite else { return 0 }
    let clockwise = Int((-angle / 90).rounded()) * 90
    return (clockwise % 360 + 360) % 360
  }

  // MARK: Decoding

  /// The next decoded frame in presentation order, in `frame` (valid until the next call), or
  /// nil at the end of the stream.
  ///
  /// Damage (a packet the demuxer flags as corrupt, a decode error, a read error) is stepped
  /// over and reported to `onDamage` once it is known whether more good data follows it
  /// (`atEnd` false: damage mid-stream) or the stream ends there (`atEnd` true: the file is cut
  /// short). The handler may throw to stop.
  func nextFrame(
    onDamage: (_ reason: String, _ atEnd: Bool) throws(VideoError) -> Void
  ) throws(VideoError) -> UnsafeMutablePointer<AVFrame>? {
    while true {
      av_frame_unref(frame)
      let received = avcodec_receive_frame(decoder, frame)
      if received >= 0 { return frame }
      if received == FFmpeg.eof { return nil }
      if received != FFmpeg.again {
        // FFmpeg drops the frame that failed; the next call moves on to the following one.
        if draining {
          try onDamage(log.reason(received), true)
          continue
        }
        pendingDamage = pendingDamage ?? log.reason(received)
      }
      log.begin()
      let read = av_read_frame(format, packet)
      if read < 0 {
        if read != FFmpeg.eof { pendingDamage = pendingDamage ?? log.reason(read) }
        avcodec_send_packet(decoder, nil)
        draining = true
        if let damage = pendingDamage {
          pendingDamage = nil
          try onDamage(damage, true)
        }
        continue
      }
      defer { av_packet_unref(packet) }
      guard packet.pointee.stream_index == stream.pointee.index else { continue }
      if packet.pointee.flags & AV_PKT_FLAG_CORRUPT != 0 {
        pendingDamage = pendingDamage ?? "damaged packet"
      } else if let damage = pendingDamage {
        pendingDamage = nil
        try onDamage(damage, false)
      }
      log.begin()
      let sent = avcodec_send_packet(decoder, packet)
      if sent < 0 && sent != FFmpeg.again {
        pendingDamage = pendingDamage ?? log.reason(sent)
      }
    }
  }

  /// Moves the demuxer to the keyframe at or before `timestamp` (stream time base) and empties
  /// the decoder. False when the container cannot seek; the demuxer's position is then
  /// unknown (a raw H.264 stream, which has no timestamps to seek by, is left at its end) and
  /// the session should be replaced by a fresh one.
  func seek(toTimestamp timestamp: Int64) -> Bool {
    log.begin()
    let code = av_seek_frame(format, stream.pointee.index, timestamp, AVSEEK_FLAG_BACKWARD)
    guard code >= 0 else { return false }
    avcodec_flush_buffers(decoder)
    draining = false
    pendingDamage = nil
    return true
  }

  /// Makes the container load its keyframe index when it only indexes what it has read so far
  /// (Matroska reads its cues, at the end of the file, on the first seek): an index that stops
  /// before `middle` triggers a seek to `start` before anything is decoded. False when that
  /// seek failed (see `seek(toTimestamp:)`).
  func loadKeyframeIndex(start: Int64, middle: Int64) -> Bool {
    let count = avformat_index_get_entries_count(stream)
    if count > 0, let last = avformat_index_get_entry(stream, count - 1),
      last.pointee.timestamp >= middle
    {
      return true
    }
    return seek(toTimestamp: start)
  }

  /// The timestamp of the last keyframe at or before `timestamp`, from the container's index;
  /// nil when the container has no index (yet).
  func keyframe(atOrBefore timestamp: Int64) -> Int64? {
    guard avformat_index_get_entries_count(stream) > 0 else { return nil }
    let position = av_index_search_timestamp(stream, timestamp, AVSEEK_FLAG_BACKWARD)
    guard position >= 0, let entry = avformat_index_get_entry(stream, position) else {
      return nil
    }
    return entry.pointee.timestamp
  }
}
