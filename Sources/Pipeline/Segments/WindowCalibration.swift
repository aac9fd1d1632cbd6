import SequenceModels

/// Calibrates the feature-space "none of these" threshold for windows of a long video on the
/// training clips alone (`WindowThreshold`): each clip is cut into windows of the segment
/// length, and each class in turn is held out as the unknown.
///
/// A window is approximated from the clip's cached frame features: the mean of the run of
/// consecutive sampled frames that spans the window's share of the clip, at every start. A
/// clip no longer than the window is one window, the whole clip.
enum WindowCalibration {
  /// The threshold for windows of `windowSeconds`. Known windows are the clips of `scored`
  /// (indices into `data.clips`, each with its duration in `durations`, nil when unknown),
  /// scored against class means of `meansFrom(clip)` without the held-out class; unknown
  /// windows are the held-out class's clips among `originals`, against the means of every
  /// other class. Nil with fewer than three classes (holding one out must leave a choice).
  static func threshold(
    data: SequenceDataset, originals: [Int], durations: [Int: Double], windowSeconds: Double,
    known: [(scored: [Int], meansFrom: [Int])], description: String
  ) -> WindowThreshold? {
    guard data.classes.count >= 3 else { return nil }
    let windows = Dictionary(
      uniqueKeysWithValues: Set(originals + known.flatMap(\.scored)).map { index in
        (
          index,
          windowMeans(
            data.clips[index], dimension: data.featureDimension,
            rows: rows(
              length: data.clips[index].length, duration: durations[index],
              windowSeconds: windowSeconds))
        )
      })
    var heldOut: [WindowThreshold.HeldOut] = []
    for held in data.classes.indices {
      let others = originals.filter { data.clips[$0].label != held }
      guard others.count < originals.count,
        let means = ModelCalibrationWorkflow.classMeans(data, clips: others, allowMissing: true)
      else { continue }
      let unknown = originals.filter { data.clips[$0].label == held }
        .flatMap { windows[$0]! }.map { FeatureRejection.nearestCosine($0, to: means) }
      var knownScores: [Float] = []
      for part in known {
        let source = part.meansFrom.filter { data.clips[$0].label != held }
        let partMeans =
          ModelCalibrationWorkflow.classMeans(data, clips: source, allowMissing: true) ?? []
        knownScores += part.scored.filter { data.clips[$0].label != held }
          .flatMap { windows[$0]! }.map { FeatureRejection.nearestCosine($0, to: partMeans) }
      }
      heldOut.append(WindowThreshold.HeldOut(known: knownScores, unknown: unknown))
    }
    let count = heldOut.map { $0.known.count + $0.unknown.count }.max() ?? 0
    return WindowThreshold.youden(
      heldOut, windowSeconds: windowSeconds,
      source: "leave-one-class-out, \(heldOut.count) classes, \(description), "
        + "\(count) windows of the training clips")
  }

  /// How many consecutive sampled rows of a clip of `length` real rows spanning `duration`
  /// seconds a window of `windowSeconds` covers: all of them when the clip is no longer than
  /// the window or its duration is unknown.
  static func rows(length: Int, duration: Double?, windowSeconds: Double) -> Int {
    guard let duration, duration > windowSeconds, length > 0 else { return max(length, 1) }
    return min(length, max(1, Int((Double(length) * windowSeconds / duration).rounded())))
  }

  /// The mean feature of every run of `rows` consecutive real rows of `clip`, by running sums.
  static func windowMeans(_ clip: SequenceClip, dimension: Int, rows: Int) -> [[Float]] {
    let length = clip.length
    guard length > 0, dimension > 0 else { return [] }
    let span = min(max(rows, 1), length)
    var sum = [Float](repeating: 0, count: dimension)
    var means: [[Float]] = []
    means.reserveCapacity(length - span + 1)
    for row in 0..<length {
      let base = row * dimension
      for column in 0..<dimension { sum[column] += clip.features[base + column] }
      if row >= span {
        let old = (row - span) * dimension
        for column in 0..<dimension { sum[column] -= clip.features[old + column] }
      }
      if row >= span - 1 { means.append(sum.map { $0 / Float(span) }) }
    }
    return means
  }
}
