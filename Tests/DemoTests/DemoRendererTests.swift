import Demo
import Testing

@Suite struct DemoRendererTests {
  static let (width, height, frameCount) = (96, 72, 24)

  /// The scene of `seed` without camera shake or pixel noise.
  static func still(_ seed: UInt64) -> DemoScene {
    var scene = DemoScene(seed: seed)
    scene.jitter = 0
    scene.noise = 0
    return scene
  }

  static func render(_ action: DemoAction, _ scene: DemoScene) -> [[UInt8]] {
    DemoRenderer.render(
      action: action, scene: scene, frameCount: frameCount, width: width, height: height)
  }

  static func skeletons(_ action: DemoAction, _ scene: DemoScene) -> [DemoSkeleton] {
    DemoRenderer.skeletons(
      action: action, scene: scene, frameCount: frameCount, width: width, height: height)
  }

  @Test(arguments: DemoAction.allCases)
  func framesHaveTheRequestedShapeAndAreDeterministic(action: DemoAction) {
    let frames = DemoRenderer.render(
      action: action, seed: 42, frameCount: 10, width: 64, height: 48)
    #expect(frames.count == 10)
    #expect(frames.allSatisfy { $0.count == 64 * 48 * 3 })
    #expect(
      frames
        == DemoRenderer.render(
          action: action, seed: 42, frameCount: 10, width: 64, height: 48))
    #expect(
      frames
        != DemoRenderer.render(
          action: action, seed: 43, frameCount: 10, width: 64, height: 48))
  }

  @Test(arguments: [DemoAction.sitDown, .raiseArms])
  func aReversedPairHoldsTheSamePosesInOppositeOrder(forward: DemoAction) throws {
    let backward = try #require(forward.reversed)
    #expect(backward.reversed == forward)
    for seed in UInt64(0)..<5 {
      let scene = Self.still(seed)
      #expect(Self.skeletons(backward, scene) == Self.skeletons(forward, scene).reversed())
      let frames = Self.render(forward, scene)
      #expect(Self.render(backward, scene) == frames.reversed())
      #expect(frames.first != frames.last)
    }
  }

  @Test func onlyThePairsAreReversed() {
    let paired = DemoAction.allCases.filter { $0.reversed != nil }
    #expect(Set(paired) == [.sitDown, .standUp, .raiseArms, .lowerArms])
  }

  @Test(arguments: DemoAction.allCases)
  func theFigureMovesOverTime(action: DemoAction) {
    for seed in UInt64(0)..<3 {
      let frames = Self.render(action, Self.still(seed))
      #expect(Set(frames).count >= Self.frameCount / 3, "seed \(seed)")
    }
  }

  @Test(arguments: [(DemoAction.raiseArms, true), (.lowerArms, false)])
  func armsGoTheWayTheirNameSays(action: DemoAction, up: Bool) throws {
    for seed in UInt64(0)..<8 {
      let figures = Self.skeletons(action, Self.still(seed))
      let first = try #require(figures.first)
      let last = try #require(figures.last)
      // y points down: a hand above the shoulders has the smaller y.
      func raised(_ figure: DemoSkeleton) -> Bool {
        figure.leftHand.y < figure.shoulders.y && figure.rightHand.y < figure.shoulders.y
      }
      func lowered(_ figure: DemoSkeleton) -> Bool {
        figure.leftHand.y > figure.shoulders.y && figure.rightHand.y > figure.shoulders.y
      }
      #expect(up ? lowered(first) && raised(last) : raised(first) && lowered(last), "seed \(seed)")
    }
  }

  @Test(arguments: DemoAction.allCases)
  func theFigureStaysInThePicture(action: DemoAction) {
    for seed in UInt64(0)..<40 {
      for figure in Self.skeletons(action, DemoScene(seed: seed)) {
        for joint in [figure.head, figure.hip, figure.leftFoot, figure.rightFoot] {
          #expect(joint.x >= 0 && joint.x < Float(Self.width), "seed \(seed)")
          #expect(joint.y >= 0 && joint.y < Float(Self.height), "seed \(seed)")
        }
      }
    }
  }

  @Test func theFigureIsPaintedWhereItsSkeletonIs() {
    for seed in UInt64(0)..<6 {
      let scene = Self.still(seed)
      let frame = Self.render(.walk, scene)[7]
      let hip = Self.skeletons(.walk, scene)[7].hip
      let index = (Int(hip.y) * Self.width + Int(hip.x)) * 3
      let colour = (0..<3).map { Float(frame[index + $0]) / 255 }
      for channel in 0..<3 {
        #expect(abs(colour[channel] - scene.figureColour[channel]) < 0.01, "seed \(seed)")
      }
    }
  }

  @Test func noiseAndShakeChangeEveryFrameButKeepThePicture() {
    let scene = DemoScene(seed: 9)
    let noisy = Self.render(.sitDown, scene)
    let clean = Self.render(.sitDown, Self.still(9))
    #expect(Set(noisy).count == Self.frameCount)
    for (a, b) in zip(noisy, clean) {
      let difference = zip(a, b).reduce(0) { $0 + abs(Int($1.0) - Int($1.1)) }
      #expect(Double(difference) / Double(a.count) < 8)
    }
  }
}
