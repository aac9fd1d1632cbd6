import SequenceModels

/// How a long video is cut into windows for a clip classifier: each window is as long as the
/// model's training clips and holds as many sampled frames as its clips did, so a window looks
/// to the model like a training clip sampled uniformly; windows start every `stride` seconds.
///
/// Frames are sampled at one fixed rate, `framesPerWindow / windowSeconds`, so consecutive
/// windows share their frames and each frame is encoded once.
public struct WindowPlan: Sendable, Hashable, Codable {
  /// The window's length in seconds.
  public var windowSeconds: Double
  /// Seconds between the starts of consecutive windows.
  public var strideSeconds: Double
  /// Sampled frames per window: the model's frames per clip.
  public var framesPerWindow: Int

  /// The clip length assumed for models that did not record theirs: UCF101's median clip.
  public static let defaultWindowSeconds = 6.0
  /// Windows start every quarter window, or every half second for windows over two seconds,
  /// unless asked otherwise: a window costs one classification of features already encoded,
  /// and a short stride places boundaries finely (`bench/segments`).
  public static let defaultStrideFraction = 0.25
  public static let defaultLongestStride = 0.5

  public init(windowSeconds: Double, strideSeconds: Double? = nil, framesPerWindow: Int) {
    precondition(windowSeconds > 0 && framesPerWindow > 0, "an empty window")
    self.windowSeconds = windowSeconds
    self.strideSeconds =
      strideSeconds
      ?? min(windowSeconds * Self.defaultStrideFraction, Self.defaultLongestStride)
    self.framesPerWindow = framesPerWindow
    precondition(self.strideSeconds > 0, "a stride must be positive")
  }

  /// The plan for `model`: its recorded clip length (or `defaultWindowSeconds`) and frame
  /// count, unless `window` or `stride` (seconds) are given.
  public init(model: TrainedModel, window: Double? = nil, stride: Double? = nil) {
    self.init(
      windowSeconds: window ?? model.calibration?.clipSeconds ?? Self.defaultWindowSeconds,
      strideSeconds: stride,
      framesPerWindow: model.provenance?.frameCount ?? FeatureOptions().frames)
  }

  enum CodingKeys: String, CodingKey {
    case windowSeconds = "window_seconds"
    case strideSeconds = "stride_seconds"
    case framesPerWindow = "frames_per_window"
  }

  /// Frames sampled per second.
  public var sampleRate: Double { Double(framesPerWindow) / windowSeconds }

  /// Samples between the starts of consecutive windows, at least one.
  public var strideSamples: Int { max(1, Int((strideSeconds * sampleRate).rounded())) }

  /// One line for logs, e.g. `window 6.00 s (20 frames at 3.33/s), stride 1.50 s`.
  public var summary: String {
    String(
      format: "window %.2f s (%d frames at %.2f/s), stride %.2f s", windowSeconds,
      framesPerWindow, sampleRate, Double(strideSamples) / sampleRate)
  }
}
