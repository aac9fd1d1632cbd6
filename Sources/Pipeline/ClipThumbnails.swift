import Foundation

extension RGBThumbnail {
  /// Small pictures of the frames `sampling` picks from the video at `url`: the same centre
  /// square crops the backbone sees, `size` × `size` pixels, for contact strips in reports.
  public static func sampledFrames(
    ofVideoAt url: URL, sampling: FrameSampling, size: Int = 64
  ) throws(VideoError) -> [RGBThumbnail] {
    let batch = try VideoReader.read(url, sampling: sampling, size: size, bestEffort: true)
    return (0..<batch.count).map { RGBThumbnail(frame: batch, index: $0) }
  }

  /// Frame `index` of `batch` as 8-bit RGB.
  public init(frame batch: FrameBatch, index: Int) {
    let pixels = batch.frame(index).map { UInt8(clamping: Int($0.rounded())) }
    self.init(width: batch.size, height: batch.size, pixels: pixels)
  }
}
