/// Eval-mode batch normalisation, `y = (x - mean) / sqrt(variance + epsilon) * scale + shift`,
/// which folds into the convolution before it.
public struct BatchNorm: Sendable {
  public var scale: [Float]
  public var shift: [Float]
  public var mean: [Float]
  public var variance: [Float]
  public var epsilon: Double

  public init(scale: [Float], shift: [Float], mean: [Float], variance: [Float], epsilon: Double) {
    precondition(
      [shift.count, mean.count, variance.count].allSatisfy { $0 == scale.count },
      "batch-norm vectors differ in length")
    self.scale = scale
    self.shift = shift
    self.mean = mean
    self.variance = variance
    self.epsilon = epsilon
  }

  /// The convolution weights (output channel outermost, `weights.count / channels` per channel)
  /// and bias that compute the convolution followed by this normalisation, computed in double
  /// precision: the many tiny variances make the factors large.
  public func fold(weights: [Float], bias: [Float]? = nil) -> (weights: [Float], bias: [Float]) {
    let channels = scale.count
    precondition(weights.count % channels == 0, "weights do not split into channels")
    let perChannel = weights.count / channels
    var folded = [Float](repeating: 0, count: weights.count)
    var foldedBias = [Float](repeating: 0, count: channels)
    for channel in 0..<channels {
      let factor = Double(scale[channel]) / (Double(variance[channel]) + epsilon).squareRoot()
      for index in (channel * perChannel)..<((channel + 1) * perChannel) {
        folded[index] = Float(Double(weights[index]) * factor)
      }
      let incoming = Double(bias?[channel] ?? 0)
      foldedBias[channel] = Float(
        (incoming - Double(mean[channel])) * factor + Double(shift[channel]))
    }
    return (folded, foldedBias)
  }
}
