import Foundation

/// Where the stick figure's joints fall in one frame, in pixels (x right, y down), before the
/// camera shake. "Left" and "right" are sides of the picture in the unmirrored pose.
public struct DemoSkeleton: Equatable, Sendable {
  public var head: SIMD2<Float>
  public var headRadius: Float
  /// The top of the torso, where the arms join.
  public var shoulders: SIMD2<Float>
  public var hip: SIMD2<Float>
  public var leftElbow: SIMD2<Float>
  public var leftHand: SIMD2<Float>
  public var rightElbow: SIMD2<Float>
  public var rightHand: SIMD2<Float>
  public var leftKnee: SIMD2<Float>
  public var leftFoot: SIMD2<Float>
  public var rightKnee: SIMD2<Float>
  public var rightFoot: SIMD2<Float>

  /// The lines drawn for the body: neck, torso, arms and legs.
  var bones: [(SIMD2<Float>, SIMD2<Float>)] {
    [
      (shoulders, head), (hip, shoulders),
      (shoulders, leftElbow), (leftElbow, leftHand), (shoulders, rightElbow),
      (rightElbow, rightHand), (hip, leftKnee), (leftKnee, leftFoot), (hip, rightKnee),
      (rightKnee, rightFoot),
    ]
  }

  // Segment lengths in figure heights: a standing figure spans about one height from the soles
  // to the top of the head.
  private static let torso: Float = 0.3
  private static let neck: Float = 0.115
  private static let headSize: Float = 0.075
  private static let upperArm: Float = 0.16
  private static let forearm: Float = 0.15
  private static let thigh: Float = 0.245
  private static let shin: Float = 0.245

  /// `pose` scaled to `scale` pixels per figure height, with the point between the feet at
  /// `ground` (the lower foot on the ground line), mirrored left-right if `mirrored`.
  init(pose: DemoPose, ground: SIMD2<Float>, scale: Float, mirrored: Bool) {
    let up = SIMD2(sin(pose.lean), -cos(pose.lean))
    let hip = SIMD2<Float>.zero
    let shoulders = hip + up * Self.torso
    func joints(_ limb: DemoLimb, from root: SIMD2<Float>, _ first: Float, _ second: Float)
      -> (SIMD2<Float>, SIMD2<Float>)
    {
      let middle = root + Self.direction(limb.upper) * first
      return (middle, middle + Self.direction(limb.upper + limb.bend) * second)
    }
    let leftArm = joints(pose.leftArm, from: shoulders, Self.upperArm, Self.forearm)
    let rightArm = joints(pose.rightArm, from: shoulders, Self.upperArm, Self.forearm)
    let leftLeg = joints(pose.leftLeg, from: hip, Self.thigh, Self.shin)
    let rightLeg = joints(pose.rightLeg, from: hip, Self.thigh, Self.shin)

    let anchor = SIMD2((leftLeg.1.x + rightLeg.1.x) / 2, max(leftLeg.1.y, rightLeg.1.y))
    let flip = SIMD2<Float>(mirrored ? -1 : 1, 1)
    func place(_ point: SIMD2<Float>) -> SIMD2<Float> { ground + (point - anchor) * flip * scale }
    self.head = place(shoulders + up * Self.neck)
    self.headRadius = Self.headSize * scale
    self.shoulders = place(shoulders)
    self.hip = place(hip)
    (self.leftElbow, self.leftHand) = (place(leftArm.0), place(leftArm.1))
    (self.rightElbow, self.rightHand) = (place(rightArm.0), place(rightArm.1))
    (self.leftKnee, self.leftFoot) = (place(leftLeg.0), place(leftLeg.1))
    (self.rightKnee, self.rightFoot) = (place(rightLeg.0), place(rightLeg.1))
  }

  /// The unit vector at `angle`: 0 is straight down, positive turns towards +x.
  private static func direction(_ angle: Float) -> SIMD2<Float> {
    SIMD2(sin(angle), cos(angle))
  }
}
