/// The actions of the demo dataset. Two pairs hold the same poses in opposite temporal order,
/// so only a model that reads frames in order can tell their members apart: sit-down and
/// stand-up, and raise-arms and lower-arms.
///
/// Neither pair is a mirror image of the other: ImageNet features are trained to ignore
/// horizontal flips, and clockwise versus counter-clockwise arm circles (mirror images as well
/// as reversals) stayed at chance for every model.
public enum DemoAction: String, CaseIterable, Sendable, Codable {
  case sitDown = "sit-down"
  case standUp = "stand-up"
  case raiseArms = "raise-arms"
  case lowerArms = "lower-arms"
  case wave
  case jumpingJacks = "jumping-jacks"
  case walk
  case squat

  /// The action whose clips play this one's poses backwards, if the dataset holds one.
  public var reversed: DemoAction? {
    switch self {
    case .sitDown: .standUp
    case .standUp: .sitDown
    case .raiseArms: .lowerArms
    case .lowerArms: .raiseArms
    case .wave, .jumpingJacks, .walk, .squat: nil
    }
  }

  /// Whether clips of this action are rendered as its partner's clips played backwards.
  var playsBackwards: Bool { self == .standUp || self == .lowerArms }

  /// Whether the figure is seen from the side (and may face either way) rather than from the
  /// front.
  var isSideView: Bool {
    switch self {
    case .sitDown, .standUp, .walk, .squat: true
    case .raiseArms, .lowerArms, .wave, .jumpingJacks: false
    }
  }
}
