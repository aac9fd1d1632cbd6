/// The random parameters of one demo clip: how the figure looks, where it stands, how it moves
/// and how the camera shakes. Lengths are fractions of the frame so a scene renders at any size.
/// Every action reads the same parameters, so a scene played by sit-down and by stand-up shows
/// the same figure doing mirror-image motions in time.
public struct DemoScene: Equatable, Sendable {
  /// Figure height as a fraction of the frame height.
  public var figureHeight: Float
  /// Line width as a fraction of the figure height.
  public var lineWidth: Float
  /// Horizontal position of the figure's feet (the middle of a walk), fraction of the width.
  public var position: Float
  /// The ground line, fraction of the height from the top.
  public var ground: Float
  /// Colours as RGB in 0...1.
  public var figureColour: SIMD3<Float>
  public var skyTopColour: SIMD3<Float>
  public var skyBottomColour: SIMD3<Float>
  public var floorColour: SIMD3<Float>
  public var chairColour: SIMD3<Float>
  /// Side views: whether the figure faces left.
  public var facesLeft: Bool
  /// Front views: whether the waving or circling arm is the one on the left of the picture.
  public var usesLeftArm: Bool
  /// Periodic actions: repetitions per clip.
  public var cycles: Float
  /// Periodic actions: where in its cycle the motion starts, radians.
  public var phase: Float
  /// Transitions (sit-down, stand-up): start and length of the movement, fractions of the
  /// clip. The holds before and after are equally likely to be long, so a clip and its reverse
  /// are equally likely.
  public var transitionStart: Float
  public var transitionLength: Float
  /// Walks: the distance covered, fraction of the width.
  public var travel: Float
  /// Largest camera shake, fraction of the width.
  public var jitter: Float
  /// Pixel noise amplitude, in 0...1 colour units.
  public var noise: Float
  /// Seeds the per-frame shake and noise.
  public var noiseSeed: UInt64

  /// A scene drawn from `seed`.
  public init(seed: UInt64) {
    var random = DemoRandom(seed: seed)
    figureHeight = random.uniform(0.5...0.72)
    lineWidth = random.uniform(0.04...0.065)
    position = random.uniform(0.35...0.65)
    ground = random.uniform(0.83...0.94)

    let darkSky = random.coin()
    let skyLevel = darkSky ? random.uniform(0.08...0.4) : random.uniform(0.6...0.92)
    skyTopColour = Self.tinted(skyLevel, spread: 0.18, using: &random)
    skyBottomColour = Self.tinted(skyLevel, spread: 0.18, using: &random)
    floorColour = skyBottomColour * random.uniform(0.55...0.8)
    let figureLevel = darkSky ? random.uniform(0.75...1) : random.uniform(0...0.3)
    figureColour = Self.tinted(figureLevel, spread: 0.15, using: &random)
    chairColour =
      Self.tinted(random.uniform(0.3...0.6), spread: 0.1, using: &random)
      * SIMD3(1, 0.8, 0.6)

    facesLeft = random.coin()
    usesLeftArm = random.coin()
    cycles = random.uniform(1.5...3)
    phase = random.uniform(0...(2 * .pi))
    transitionLength = random.uniform(0.35...0.6)
    transitionStart = random.uniform(0.08...(0.92 - transitionLength))
    travel = random.uniform(0.12...0.25)
    jitter = random.uniform(0...0.012)
    noise = random.uniform(0.01...0.04)
    noiseSeed = random.next()
  }

  /// `level` in every channel, each moved by up to `spread`, clamped to 0...1.
  private static func tinted(_ level: Float, spread: Float, using random: inout DemoRandom)
    -> SIMD3<Float>
  {
    let tint = SIMD3(
      random.uniform(-spread...spread), random.uniform(-spread...spread),
      random.uniform(-spread...spread))
    return (SIMD3(repeating: level) + tint).clamped(lowerBound: .zero, upperBound: .one)
  }
}
