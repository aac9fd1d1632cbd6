/// The actions of the demo dataset. Two pairs hold the same poses in opposite temporal order,
/// so only a model that reads frames in order can tell their members apart: sit-down and
/// stand-up, and clockwise and counter-clockwise arm circles.
///
/// A horizontal flip turns a clockwise circle into a counter-clockwise one, so flip
/// augmentation does not suit this dataset.
public enum DemoAction: String, CaseIterable, Sendable, Codable {
  case sitDown = "sit-down"
  case standUp = "stand-up"
  case circleClockwise = "circle-clockwise"
  case circleCounterclockwise = "circle-counterclockwise"
  case wave
  case jumpingJacks = "jumping-jacks"
  case walk
  case squat

  /// The action whose clips play this one's poses backwards, if the dataset holds one.
  public var reversed: DemoAction? {
    switch self {
    case .sitDown: .standUp
    case .standUp: .sitDown
    case .circleClockwise: .circleCounterclockwise
    case .circleCounterclockwise: .circleClockwise
    case .wave, .jumpingJacks, .walk, .squat: nil
    }
  }

  /// Whether clips of this action are rendered as its partner's clips played backwards.
  var playsBackwards: Bool { self == .standUp || self == .circleCounterclockwise }

  /// Whether the figure is seen from the side (and may face either way) rather than from the
  /// front.
  var isSideView: Bool {
    switch self {
    case .sitDown, .standUp, .walk, .squat: true
    case .circleClockwise, .circleCounterclockwise, .wave, .jumpingJacks: false
    }
  }
}
