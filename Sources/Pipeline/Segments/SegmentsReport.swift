import Foundation
import Reporting
import VideoIO

extension ReportSegmentedVideo {
  /// The report's view of `found`, with `strip` over its time axis. The threshold is drawn
  /// over the windows' confidence only when it applies to that score (the maximum probability).
  public init(_ found: VideoSegments, strip: ReportFrameStrip?) {
    func stretch(_ start: Double, _ end: Double, _ label: String, _ confidence: Float)
      -> ReportSegment
    {
      ReportSegment(start: start, end: end, label: label, confidence: Double(confidence))
    }
    self.init(
      video: found.video, duration: found.duration, classes: found.classes,
      segments: found.segments.map { stretch($0.start, $0.end, $0.label, $0.confidence) },
      windows: found.windows.map { stretch($0.start, $0.end, $0.label, $0.confidence) },
      rejectThreshold: found.rejectScore == RejectionRule.maxProbabilityScore
        ? found.rejectThreshold.map(Double.init) : nil,
      strip: strip)
  }
}

extension ReportFrameStrip {
  /// Frames to show over a long video's time axis: as many as fit the report's width.
  public static let framesOverTimeAxis = 16

  /// `count` frames spread evenly over the video at `url` (the centre of each of `count` equal
  /// parts), as the backbone sees them: one seek and a few frames decoded each.
  public static func spread(
    videoAt url: URL, path: String, count: Int = framesOverTimeAxis, size: Int = 72
  ) throws(VideoError) -> ReportFrameStrip {
    try ReportFrameStrip(videoAt: url, path: path, sampling: .uniform(count), size: size)
  }
}
