import Foundation
import Testing
import VideoIO

/// The squares at the ends of the long side (multi-crop views) are the picture's ends, and the
/// centre square stays what every reader kept before.
@Suite struct SquareCropTests {
  /// A 96×48 picture in three bands: red left quarter, green middle half, blue right quarter.
  static func bands(_ scratch: Scratch, width: Int = 96, height: Int = 48) throws -> URL {
    try scratch.stillClip("bands.avi", frames: 2, width: width, height: height) { x, y in
      let along = width >= height ? x : y
      let length = max(width, height)
      if along < length / 4 { return (230, 0, 0) }
      if along >= length * 3 / 4 { return (0, 0, 230) }
      return (0, 200, 0)
    }
  }

  static func read(_ url: URL, crop: SquareCrop) throws -> FrameBatch {
    var batch = FrameBatch(size: 24)
    try VideoReader(url: url).read(.first(1), size: 24, crop: crop, into: &batch)
    return batch
  }

  /// Mean of `channel` over the columns (or rows) `range` of the batch's first frame.
  static func mean(_ batch: FrameBatch, channel: Int, columns: Range<Int>) -> Double {
    PreprocessingTests.mean(batch, channel: channel, rows: 0..<24, columns: columns)
  }

  @Test func theEndSquaresHoldTheEndsOfALandscapeFrame() throws {
    let scratch = try Scratch()
    let url = try Self.bands(scratch)
    // Each 48×48 end square is its half of the frame: one band of colour, then the middle.
    let start = try Self.read(url, crop: .start)
    #expect(Self.mean(start, channel: 0, columns: 0..<10) > 180, "red on the left")
    #expect(Self.mean(start, channel: 1, columns: 14..<24) > 160, "green on its right")
    #expect(Self.mean(start, channel: 2, columns: 0..<24) < 20, "no blue")
    let end = try Self.read(url, crop: .end)
    #expect(Self.mean(end, channel: 2, columns: 14..<24) > 180, "blue on the right")
    #expect(Self.mean(end, channel: 1, columns: 0..<10) > 160, "green on its left")
    #expect(Self.mean(end, channel: 0, columns: 0..<24) < 20, "no red")
    let centre = try Self.read(url, crop: .centre)
    #expect(Self.mean(centre, channel: 1, columns: 0..<24) > 180, "the centre is all green")
    #expect(centre.pixels == (try VideoReader.read(url, sampling: .first(1), size: 24)).pixels)
  }

  @Test func theEndSquaresOfAPortraitFrameAreItsTopAndBottom() throws {
    let scratch = try Scratch()
    let url = try Self.bands(scratch, width: 48, height: 96)
    let top = try Self.read(url, crop: .start)
    let bottom = try Self.read(url, crop: .end)
    let whole = 0..<24
    #expect(PreprocessingTests.mean(top, channel: 0, rows: 0..<10, columns: whole) > 180)
    #expect(PreprocessingTests.mean(top, channel: 2, rows: whole, columns: whole) < 20)
    #expect(PreprocessingTests.mean(bottom, channel: 2, rows: 14..<24, columns: whole) > 180)
    #expect(PreprocessingTests.mean(bottom, channel: 0, rows: whole, columns: whole) < 20)
  }

  @Test func aSquareFrameHasOneSquare() throws {
    let scratch = try Scratch()
    let url = try scratch.stillClip("square.avi", frames: 1, width: 48, height: 48) { x, y in
      (UInt8(x * 5), UInt8(y * 5), 90)
    }
    let centre = try Self.read(url, crop: .centre).pixels
    #expect(try Self.read(url, crop: .start).pixels == centre)
    #expect(try Self.read(url, crop: .end).pixels == centre)
  }
}
