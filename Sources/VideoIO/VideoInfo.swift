/// What a video file holds, read from its container header without decoding the stream.
public struct VideoInfo: Sendable, Hashable, Codable {
  /// Length in seconds; 0 when the container does not say (a still image, a raw stream).
  public var duration: Double
  /// Average frames per second.
  public var frameRate: Double
  /// Number of frames: the container's count when it states one, else duration × frame rate.
  public var frameCount: Int
  /// True when `frameCount` comes from the container, false when it is an estimate. A stated
  /// count can still be wrong (broken muxers, cut files): sampling notices a stream that ends
  /// before it and places its samples again over the frames that exist.
  public var frameCountIsExact: Bool
  /// Width of the upright picture (after `rotation`), in pixels.
  public var width: Int
  /// Height of the upright picture (after `rotation`), in pixels.
  public var height: Int
  /// FFmpeg's name of the video codec, e.g. `mpeg4`, `h264`, `png`.
  public var codec: String
  /// Clockwise rotation in degrees (0, 90, 180 or 270) that the container asks players to
  /// apply; decoded frames have it applied already.
  public var rotation: Int
  /// FFmpeg's name of the container format, e.g. `avi`, `mov,mp4,m4a,3gp,3g2,mj2`.
  public var container: String
  /// True for a single still image (PNG, JPEG, ...), read as a one-frame video.
  public var isStillImage: Bool

  public init(
    duration: Double, frameRate: Double, frameCount: Int, frameCountIsExact: Bool,
    width: Int, height: Int, codec: String, rotation: Int, container: String,
    isStillImage: Bool
  ) {
    self.duration = duration
    self.frameRate = frameRate
    self.frameCount = frameCount
    self.frameCountIsExact = frameCountIsExact
    self.width = width
    self.height = height
    self.codec = codec
    self.rotation = rotation
    self.container = container
    self.isStillImage = isStillImage
  }
}
