/// Draws demo clips: a stick figure acting in front of a gradient backdrop, with a chair for
/// sitting down and standing up, a slightly shaking camera and pixel noise.
public enum DemoRenderer {
  /// The frames of a clip of `action` in the scene drawn from `seed`: `frameCount` RGB24
  /// pictures (`width × height × 3` bytes, rows top to bottom).
  public static func render(
    action: DemoAction, seed: UInt64, frameCount: Int, width: Int, height: Int
  ) -> [[UInt8]] {
    render(
      action: action, scene: DemoScene(seed: seed), frameCount: frameCount, width: width,
      height: height)
  }

  /// The frames of a clip of `action` in `scene`.
  public static func render(
    action: DemoAction, scene: DemoScene, frameCount: Int, width: Int, height: Int
  ) -> [[UInt8]] {
    precondition(width > 0 && height > 0 && frameCount >= 0, "empty demo clip")
    let figures = skeletons(
      action: action, scene: scene, frameCount: frameCount, width: width, height: height)
    let chair = action == .sitDown || action == .standUp ? chairLines(scene, width, height) : []
    var random = DemoRandom(seed: scene.noiseSeed)
    return figures.map { figure in
      let shake =
        SIMD2(2 * random.unit() - 1, 2 * random.unit() - 1) * scene.jitter * Float(width)
      var canvas = DemoCanvas(
        width: width, height: height, top: scene.skyTopColour, bottom: scene.skyBottomColour,
        floor: scene.floorColour, groundY: scene.ground * Float(height) + shake.y)
      if !chair.isEmpty {
        var mask = canvas.mask()
        for (start, end, thickness) in chair {
          mask.addLine(from: start + shake, to: end + shake, thickness: thickness)
        }
        canvas.paint(mask, colour: scene.chairColour)
      }
      canvas.paint(figureMask(figure, shake, scene, canvas), colour: scene.figureColour)
      return canvas.rgb24(noise: scene.noise, random: &random)
    }
  }

  /// The figure's joints in each frame of the clip, before the camera shake.
  public static func skeletons(
    action: DemoAction, scene: DemoScene, frameCount: Int, width: Int, height: Int
  ) -> [DemoSkeleton] {
    (0..<frameCount).map { frame in
      let pose = DemoPose.of(action, frame: frame, frameCount: frameCount, in: scene)
      return place(pose, action.isSideView && scene.facesLeft, scene, width, height)
    }
  }

  private static func place(
    _ pose: DemoPose, _ mirrored: Bool, _ scene: DemoScene, _ width: Int, _ height: Int
  ) -> DemoSkeleton {
    let scale = scene.figureHeight * Float(height)
    let travel = (mirrored ? -pose.travel : pose.travel) * Float(width)
    let ground = SIMD2(
      scene.position * Float(width) + travel, scene.ground * Float(height) - pose.lift * scale)
    return DemoSkeleton(pose: pose, ground: ground, scale: scale, mirrored: mirrored)
  }

  private static func figureMask(
    _ figure: DemoSkeleton, _ shake: SIMD2<Float>, _ scene: DemoScene, _ canvas: DemoCanvas
  ) -> DemoCanvas.Mask {
    let thickness = max(scene.lineWidth * scene.figureHeight * Float(canvas.height), 1.5)
    var mask = canvas.mask()
    for (start, end) in figure.bones {
      mask.addLine(from: start + shake, to: end + shake, thickness: thickness)
    }
    mask.addDisk(centre: figure.head + shake, radius: figure.headRadius)
    return mask
  }

  /// A side-view chair whose seat is under the hip of the fully seated figure: seat, two legs
  /// and a backrest, as (start, end, thickness) lines.
  private static func chairLines(_ scene: DemoScene, _ width: Int, _ height: Int)
    -> [(SIMD2<Float>, SIMD2<Float>, Float)]
  {
    let seated = place(DemoPose.sitting(1), scene.facesLeft, scene, width, height)
    let scale = scene.figureHeight * Float(height)
    let forward: Float = scene.facesLeft ? -1 : 1
    let thickness = max(0.035 * scale, 1.2)
    let seatY = seated.hip.y + (scene.lineWidth * scale + thickness) / 2
    let back = SIMD2(seated.hip.x - forward * 0.1 * scale, seatY)
    let front = SIMD2(seated.hip.x + forward * 0.17 * scale, seatY)
    let groundY = scene.ground * Float(height)
    return [
      (back, front, thickness),
      (front, SIMD2(front.x, groundY), thickness),
      (back, SIMD2(back.x, groundY), thickness),
      (back, back + SIMD2(-forward * 0.04, -0.32) * scale, thickness),
    ]
  }
}
