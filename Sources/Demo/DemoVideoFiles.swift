import Foundation
import Pipeline
import VideoIO

extension DemoDataset {
  /// Writes every clip as an MPEG-4 Part 2 AVI with Vidi's own encoder: real video files that
  /// the rest of the pipeline decodes like any user's.
  @discardableResult
  public func writeVideos(to directory: URL) throws -> [Clip] {
    try write(to: directory) { url, frames, width, height, framesPerSecond in
      let writer = try VideoWriter(
        url: url, width: width, height: height,
        options: .init(codec: .mpeg4, frameRate: framesPerSecond))
      for frame in frames { try writer.append(frame) }
      try writer.finish()
    }
  }
}
