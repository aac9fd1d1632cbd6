import Foundation

/// One limb's posture. Angles are radians in picture space: 0 points straight down and positive
/// angles swing towards +x (the way a side-view figure faces before any mirroring).
struct DemoLimb: Equatable {
  /// The upper segment's absolute angle.
  var upper: Float
  /// The lower segment's angle relative to the upper one.
  var bend: Float

  var mirrored: DemoLimb { DemoLimb(upper: -upper, bend: -bend) }
}

/// A body posture, in units of the figure's height; the renderer places and scales it.
struct DemoPose: Equatable {
  /// The torso's tilt from upright, positive towards +x.
  var lean: Float = 0
  var leftArm = DemoLimb(upper: -0.3, bend: 0.12)
  var rightArm = DemoLimb(upper: 0.3, bend: -0.12)
  var leftLeg = DemoLimb(upper: -0.1, bend: 0)
  var rightLeg = DemoLimb(upper: 0.1, bend: 0)
  /// How far the feet are off the ground, in figure heights.
  var lift: Float = 0
  /// Horizontal displacement in the facing direction, as a fraction of the frame width.
  var travel: Float = 0

  /// The posture of `action` in frame `frame` of a `frameCount`-frame clip of `scene`. The
  /// backward member of a reversed pair plays its partner's frames in reverse order, indexed
  /// with integers so the two clips hold exactly the same poses.
  static func of(_ action: DemoAction, frame: Int, frameCount: Int, in scene: DemoScene)
    -> DemoPose
  {
    let step = action.playsBackwards ? frameCount - 1 - frame : frame
    let time = frameCount > 1 ? Float(step) / Float(frameCount - 1) : 0
    let angle = scene.phase + 2 * .pi * scene.cycles * time
    switch action {
    case .sitDown, .standUp:
      let progress = smoothstep((time - scene.transitionStart) / scene.transitionLength)
      return sitting(progress)
    case .raiseArms, .lowerArms:
      let progress = smoothstep((time - scene.transitionStart) / scene.transitionLength)
      return raisingArms(progress)
    case .wave:
      let forearm = Float.pi - 0.15 + 0.5 * sin(angle * 1.5)
      return oneArm(DemoLimb(upper: 2.3, bend: forearm - 2.3), scene)
    case .jumpingJacks:
      return jumpingJack(open: (1 - cos(angle)) / 2, lift: 0.05 * abs(sin(angle)))
    case .walk:
      return walking(angle, travel: scene.travel * (time - 0.5))
    case .squat:
      return squatting((1 - cos(angle)) / 2)
    }
  }

  /// Standing (0) to seated on a chair behind the figure (1), leaning forward on the way.
  static func sitting(_ progress: Float) -> DemoPose {
    let swing = sin(.pi * progress)
    return DemoPose(
      lean: 0.55 * swing + 0.08 * progress,
      leftArm: DemoLimb(upper: 0.12 + 0.5 * swing + 0.1 * progress, bend: 0.2 + 0.5 * progress),
      rightArm: DemoLimb(upper: -0.05 + 0.45 * swing + 0.1 * progress, bend: 0.15 + 0.6 * progress),
      leftLeg: DemoLimb(upper: 1.5 * progress - 0.04, bend: -1.5 * progress),
      rightLeg: DemoLimb(upper: 1.4 * progress + 0.04, bend: -1.4 * progress))
  }

  /// A standing pose moving one arm, on the side the scene picks; the left arm moves as the
  /// right one's mirror image.
  private static func oneArm(_ arm: DemoLimb, _ scene: DemoScene) -> DemoPose {
    var pose = DemoPose()
    if scene.usesLeftArm {
      pose.leftArm = arm.mirrored
    } else {
      pose.rightArm = arm
    }
    return pose
  }

  /// Arms at the sides (0) to stretched overhead (1), swept out sideways with the elbows bending
  /// on the way.
  static func raisingArms(_ progress: Float) -> DemoPose {
    let arm = DemoLimb(upper: 0.25 + 2.65 * progress, bend: 0.6 * sin(.pi * progress))
    return DemoPose(leftArm: arm.mirrored, rightArm: arm)
  }

  private static func jumpingJack(open: Float, lift: Float) -> DemoPose {
    let arm = DemoLimb(upper: 0.12 + 2.75 * open, bend: 0.25 * open)
    let leg = DemoLimb(upper: 0.05 + 0.3 * open, bend: 0)
    return DemoPose(
      leftArm: arm.mirrored, rightArm: arm, leftLeg: leg.mirrored, rightLeg: leg, lift: lift)
  }

  private static func walking(_ angle: Float, travel: Float) -> DemoPose {
    func leg(_ angle: Float) -> DemoLimb {
      DemoLimb(upper: 0.45 * sin(angle), bend: -0.75 * max(0, cos(angle)))
    }
    func arm(_ angle: Float) -> DemoLimb {
      DemoLimb(upper: -0.4 * sin(angle), bend: 0.3)
    }
    return DemoPose(
      lean: 0.06, leftArm: arm(angle + .pi), rightArm: arm(angle), leftLeg: leg(angle),
      rightLeg: leg(angle + .pi), travel: travel)
  }

  /// Upright (0) to a deep squat with the arms stretched forward (1).
  private static func squatting(_ depth: Float) -> DemoPose {
    DemoPose(
      lean: 0.6 * depth,
      leftArm: DemoLimb(upper: 1.45 * depth - 0.03, bend: 0),
      rightArm: DemoLimb(upper: 1.45 * depth + 0.05, bend: 0),
      leftLeg: DemoLimb(upper: 1.3 * depth - 0.03, bend: -2.1 * depth),
      rightLeg: DemoLimb(upper: 1.25 * depth + 0.03, bend: -2.05 * depth))
  }

  private static func smoothstep(_ x: Float) -> Float {
    let t = min(max(x, 0), 1)
    return t * t * (3 - 2 * t)
  }
}
