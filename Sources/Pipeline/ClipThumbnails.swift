import Foundation
import Reporting
import VideoIO

extension ReportFrameStrip {
  /// The frames `sampling` picks from the video at `url` as the backbone sees them (the centre
  /// square, `size` × `size` pixels), with each frame's index and time: a report's contact
  /// strip, or the server's thumbnails. Undecodable frames are left out.
  public init(
    videoAt url: URL, path: String, sampling: FrameSampling, size: Int
  ) throws(VideoError) {
    let batch = try VideoReader.read(url, sampling: sampling, size: size, bestEffort: true)
    self.init(frames: batch, path: path)
  }

  /// Every frame of `batch`, with its index and time.
  public init(frames batch: FrameBatch, path: String) {
    self.init(
      path: path, frames: (0..<batch.count).map { RGBThumbnail(frame: batch, index: $0) },
      frameIndices: Array(batch.frameIndices.prefix(batch.count)),
      times: Array(batch.timestamps.prefix(batch.count)))
  }
}

extension RGBThumbnail {
  /// Frame `index` of `batch` as 8-bit RGB.
  public init(frame batch: FrameBatch, index: Int) {
    let pixels = batch.frame(index).map { UInt8(clamping: Int($0.rounded())) }
    self.init(width: batch.size, height: batch.size, pixels: pixels)
  }
}
