import Foundation
import Testing
import VideoIO

@Suite struct PreprocessingTests {
  /// Mean of one channel over a rectangle of a batch frame.
  static func mean(
    _ batch: FrameBatch, frame: Int = 0, channel: Int, rows: Range<Int>, columns: Range<Int>
  ) -> Double {
    let values = batch.frame(frame)
    var sum = 0.0
    for row in rows {
      for column in columns {
        sum += Double(values[values.startIndex + (row * batch.size + column) * 3 + channel])
      }
    }
    return sum / Double(rows.count * columns.count)
  }

  @Test func cropsTheCentredSquare() throws {
    let scratch = try Scratch()
    // 64×48: the centred 48×48 square spans columns 8..<56; outside it the picture is red.
    let url = try scratch.stillClip("bands.avi", frames: 3, width: 64, height: 48) { x, _ in
      (8..<56).contains(x) ? (0, 200, 0) : (230, 0, 0)
    }
    let batch = try VideoReader.read(url, sampling: .first(1), size: 24)
    let whole = 0..<24
    #expect(Self.mean(batch, channel: 0, rows: whole, columns: whole) < 20)
    #expect(Self.mean(batch, channel: 1, rows: whole, columns: whole) > 180)
  }

  @Test func keepsRowsAndColumnsInPlace() throws {
    let scratch = try Scratch()
    // Bright top-left quadrant of the centred square, dark elsewhere.
    let url = try scratch.stillClip("corner.avi", frames: 2, width: 64, height: 48) { x, y in
      x >= 8 && x < 32 && y < 24 ? (255, 255, 255) : (0, 0, 0)
    }
    let batch = try VideoReader.read(url, sampling: .first(1), size: 32)
    #expect(Self.brightQuadrant(batch) == "top-left")
  }

  static func brightQuadrant(_ batch: FrameBatch) -> String {
    let half = batch.size / 2
    let quadrants = [
      ("top-left", 0..<half, 0..<half), ("top-right", 0..<half, half..<batch.size),
      ("bottom-left", half..<batch.size, 0..<half),
      ("bottom-right", half..<batch.size, half..<batch.size),
    ]
    let bright = quadrants.filter { mean(batch, channel: 1, rows: $0.1, columns: $0.2) > 128 }
    return bright.map(\.0).joined(separator: ",")
  }

  @Test(
    .enabled(if: VideoWriter.Codec.h264.isAvailable),
    arguments: [(90, "top-right"), (180, "bottom-right"), (270, "bottom-left")])
  func turnsRotatedVideoUpright(rotation: Int, corner: String) throws {
    let scratch = try Scratch()
    // Stored as 64×48 with the top-left quadrant bright; a player turns it clockwise.
    let url = try scratch.stillClip(
      "phone.mp4", frames: 3, width: 64, height: 48,
      options: .init(codec: .h264, rotation: rotation)
    ) { x, y in x < 32 && y < 24 ? (255, 255, 255) : (0, 0, 0) }
    let reader = try VideoReader(url: url)
    #expect(reader.info.rotation == rotation)
    let upright = rotation == 180 ? (64, 48) : (48, 64)
    #expect((reader.info.width, reader.info.height) == upright)
    let batch = try reader.read(.first(1), size: 32)
    #expect(Self.brightQuadrant(batch) == corner)

    // The ffmpeg tool turns frames by the display matrix too: its picture must agree.
    let png = scratch.url("upright.png")
    try FFmpegTool.run(["-i", url.path, "-frames:v", "1", png.path])
    let reference = try VideoReader(url: png)
    #expect((reference.info.width, reference.info.height) == upright)
    #expect(Self.brightQuadrant(try reference.read(size: 32)) == corner)
  }

  @Test func downscalingAveragesInsteadOfAliasing() throws {
    let scratch = try Scratch()
    let png = scratch.url("checker.png")
    // One-pixel checkerboard: a subsampling resize would show black or white, not grey.
    try FFmpegTool.run([
      "-f", "lavfi", "-i", "color=c=black:s=512x512,format=gray,geq=lum='255*mod(X+Y\\,2)'",
      "-frames:v", "1", png.path,
    ])
    let batch = try VideoReader.read(png, size: 32)
    #expect(batch.count == 1)
    let low = batch.pixels.min() ?? 0
    let high = batch.pixels.max() ?? 255
    #expect(low > 100 && high < 155)
  }

  @Test(arguments: ["png", "jpg"])
  func readsAStillImageAsOneFrame(ext: String) throws {
    let scratch = try Scratch()
    let image = scratch.url("still.\(ext)")
    try FFmpegTool.run([
      "-f", "lavfi", "-i", "color=c=0x20C040:s=40x30", "-frames:v", "1", image.path,
    ])
    let reader = try VideoReader(url: image)
    #expect(reader.info.isStillImage)
    #expect(reader.info.frameCount == 1)
    #expect((reader.info.width, reader.info.height) == (40, 30))
    let batch = try reader.read(.uniform(20), size: 16)
    #expect(batch.count == 1 && batch.frameIndices == [0])
    let whole = 0..<16
    #expect(abs(Self.mean(batch, channel: 0, rows: whole, columns: whole) - 0x20) < 6)
    #expect(abs(Self.mean(batch, channel: 1, rows: whole, columns: whole) - 0xC0) < 6)
    #expect(abs(Self.mean(batch, channel: 2, rows: whole, columns: whole) - 0x40) < 6)
  }
}
