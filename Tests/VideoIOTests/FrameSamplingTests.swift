import Testing
import VideoIO

@Suite struct FrameSamplingTests {
  @Test func uniformTakesSegmentCentres() {
    #expect(FrameSampling.uniform(4).indices(frameCount: 100) == [12, 37, 62, 87])
    #expect(FrameSampling.uniform(3).indices(frameCount: 10) == [1, 5, 8])
    let twenty = FrameSampling.uniform(20).indices(frameCount: 175)
    #expect(twenty.count == 20)
    #expect(twenty == (0..<20).map { Int((Double($0) + 0.5) * 175 / 20) })
  }

  @Test func shortClipsYieldWhatTheyHave() {
    #expect(FrameSampling.uniform(20).indices(frameCount: 5) == [0, 1, 2, 3, 4])
    #expect(FrameSampling.uniform(5).indices(frameCount: 5) == [0, 1, 2, 3, 4])
    #expect(FrameSampling.first(20).indices(frameCount: 3) == [0, 1, 2])
    #expect(FrameSampling.uniform(8).indices(frameCount: 0) == [])
  }

  @Test func otherStrategies() {
    #expect(FrameSampling.first(3).indices(frameCount: 100) == [0, 1, 2])
    #expect(FrameSampling.everyNth(30).indices(frameCount: 100) == [0, 30, 60, 90])
    #expect(FrameSampling.all.indices(frameCount: 4) == [0, 1, 2, 3])
    #expect(FrameSampling.default == .uniform(20))
    #expect(FrameSampling.everyNth(2).maximumFrameCount == nil)
    #expect(FrameSampling.first(7).maximumFrameCount == 7)
  }

  @Test func parsesWhatItPrints() {
    for sampling in [FrameSampling.uniform(16), .first(20), .everyNth(5), .all] {
      #expect(FrameSampling(sampling.description) == sampling)
    }
    #expect(FrameSampling("uniform:0") == nil)
    #expect(FrameSampling("every:x") == nil)
    #expect(FrameSampling("middle:3") == nil)
  }
}
