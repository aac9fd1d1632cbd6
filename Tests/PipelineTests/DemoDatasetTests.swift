import Foundation
import Pipeline
import Testing

@Suite struct DemoDatasetTests {
  @Test func generatesAnIndexableDatasetWithGroupDisjointSplits() throws {
    let data = try DatasetFolder()
    let written = try DemoDataset.generate(at: data.root)
    #expect(written.count == 3 * 4 * 2)
    let index = try DatasetIndex(root: data.root, options: .init(probe: true))
    #expect(index.labels == DemoDataset.classes.sorted())
    #expect(index.clips(in: .train).count == 18 && index.clips(in: .test).count == 6)
    #expect(index.unreadable.isEmpty && index.skipped.isEmpty)
    let trainGroups = Set(index.clips(in: .train).compactMap(\.group))
    let testGroups = Set(index.clips(in: .test).compactMap(\.group))
    #expect(trainGroups == ["g01", "g02", "g03"] && testGroups == ["g04"])
    #expect(index.clips.allSatisfy { $0.info?.frameCount == 30 })
  }

  @Test func shapesMoveTheWayTheirClassSays() throws {
    let data = try DatasetFolder()
    let written = try DemoDataset.generate(
      at: data.root, options: .init(trainGroups: 1, testGroups: 0, clipsPerGroup: 1))
    for url in written {
      let label = url.deletingLastPathComponent().lastPathComponent
      let frames = try VideoReader.read(url, sampling: .all, size: 48)
      let shapes = (0..<frames.count).map { Self.shape(frames, $0) }
      let (start, end) = (shapes[0], shapes[shapes.count - 1])
      let areas = shapes.map(\.area)
      switch label {
      case "MoveRight": #expect(end.x - start.x > 8 && abs(end.y - start.y) < 2)
      case "MoveDown": #expect(end.y - start.y > 4 && abs(end.x - start.x) < 2)
      default:
        #expect(abs(end.x - start.x) < 2 && abs(end.y - start.y) < 2)
        #expect(areas.max()! > 2 * areas.min()!)
      }
    }
  }

  /// Centroid and area of the pixels brighter than the background (which is at most 100).
  static func shape(_ batch: FrameBatch, _ frame: Int) -> (x: Double, y: Double, area: Double) {
    let values = batch.frame(frame)
    var (x, y, area) = (0.0, 0.0, 0.0)
    for row in 0..<batch.size {
      for column in 0..<batch.size {
        let base = values.startIndex + (row * batch.size + column) * 3
        guard values[base] > 130 && values[base + 1] > 130 else { continue }
        (x, y, area) = (x + Double(column), y + Double(row), area + 1)
      }
    }
    return area == 0 ? (0, 0, 0) : (x / area, y / area, area)
  }
}
