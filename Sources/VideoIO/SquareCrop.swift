/// Which square of a frame is kept: the side of the square is the frame's short side, so the
/// choice is where along the long side it sits. A 4:3 frame loses a quarter of its width to
/// any one square; the two ends together with the centre cover all of it.
///
/// The ends are those of the picture as stored (left and right of a landscape frame, top and
/// bottom of a portrait one), before any rotation in the file's metadata turns it upright.
public enum SquareCrop: String, Sendable, Hashable, Codable, CaseIterable {
  /// Centred on the long side: what every reader keeps unless asked.
  case centre
  /// At the start of the long side: the left of a landscape frame, the top of a portrait one.
  case start
  /// At the end of the long side: the right of a landscape frame, the bottom of a portrait one.
  case end

  /// The columns (or rows) cut from the start and from the end of a long side of `length`
  /// pixels to leave `side`.
  func margins(length: Int, side: Int) -> (start: Int, end: Int) {
    let spare = length - side
    switch self {
    case .centre: return (spare / 2, spare - spare / 2)
    case .start: return (0, spare)
    case .end: return (spare, 0)
    }
  }
}
