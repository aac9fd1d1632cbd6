import Backbones
import Dispatch
import Testing

@testable import Pipeline

@Suite struct FrameWorkTests {
  /// Two encoders taking frames as they come, as an encoder thread helping with another's clip
  /// does, give each frame's features in its own row: the same as one encoder's batch.
  @Test func framesSharedBetweenEncodersKeepTheirOrder() throws {
    let url = try TestWeights.lite0()
    let encoders = try (0..<2).map { _ in
      try FrameEncoder(backbone: .efficientnetLite0, checkpoint: url, threads: 1)
    }
    let count = 5
    let pixels = (0..<(count * encoders[0].valuesPerFrame)).map { Float(($0 * 37) % 256) }
    let expected = encoders[0].features(frames: pixels, count: count)
    let shared = pixels.withUnsafeBufferPointer { frames in
      let work = FrameWork(
        frames: frames, count: count, featureCount: encoders[0].featureCount)
      DispatchQueue.concurrentPerform(iterations: encoders.count) { work.run(encoders[$0]) }
      return work.result()
    }
    #expect(shared == expected)
  }

  /// A posted clip view is offered to helpers while it has frames to hand out, and not after.
  @Test func theBoardOffersOnlyWorkWithFramesLeft() throws {
    let encoder = try FrameEncoder(
      backbone: .efficientnetLite0, checkpoint: try TestWeights.lite0(), threads: 1)
    let pixels = [Float](repeating: 128, count: 2 * encoder.valuesPerFrame)
    let board = FrameWorkBoard()
    pixels.withUnsafeBufferPointer { frames in
      let work = FrameWork(frames: frames, count: 2, featureCount: encoder.featureCount)
      board.post(work)
      #expect(board.open() === work)
      ClipEncoder(encoders: [encoder], board: board).help()
      #expect(board.open() == nil)
      #expect(work.result().count == 2 * encoder.featureCount)
      board.remove(work)
    }
    let empty = FrameWork(
      frames: UnsafeBufferPointer(start: nil, count: 0), count: 0,
      featureCount: encoder.featureCount)
    board.post(empty)
    #expect(board.open() == nil && empty.result().isEmpty)
  }
}
