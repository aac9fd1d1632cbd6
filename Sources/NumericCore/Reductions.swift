import Foundation

/// Mean over all pixels of a packed `pixels × channels` image, per channel.
public func globalAveragePool(
  _ input: UnsafePointer<Float>, pixels: Int, channels: Int,
  into output: UnsafeMutablePointer<Float>
) {
  output.update(repeating: 0, count: channels)
  for pixel in 0..<pixels {
    let row = input + pixel * channels
    var channel = 0
    while channel + 16 <= channels {
      output.store(output.vector(at: channel) + row.vector(at: channel), at: channel)
      channel += 16
    }
    for tail in channel..<channels { output[tail] += row[tail] }
  }
  let scale = 1 / Float(pixels)
  for channel in 0..<channels { output[channel] *= scale }
}

/// `exp(x - max) / sum`, the numerically stable softmax.
public func softmax(_ logits: [Float]) -> [Float] {
  guard let largest = logits.max() else { return [] }
  let exponentials = logits.map { Float(exp(Double($0 - largest))) }
  let total = exponentials.reduce(0, +)
  return exponentials.map { $0 / total }
}

/// `(value - mean[c]) / deviation[c]` over interleaved three-channel values (channel
/// `c = i % 3`), sixteen at a time: the pattern of three channels repeats every 48 values, so
/// three vector pairs of means and deviations cover it. Vector division rounds like scalar
/// division, so the results equal the scalar formula's.
public struct InterleavedNormalization: Sendable {
  private let means: [FloatVector]
  private let deviations: [FloatVector]

  public init(mean: SIMD3<Float>, deviation: SIMD3<Float>) {
    func pattern(_ values: SIMD3<Float>) -> [FloatVector] {
      (0..<3).map { part in
        FloatVector((0..<16).map { lane in values[(part * 16 + lane) % 3] })
      }
    }
    means = pattern(mean)
    deviations = pattern(deviation)
  }

  /// Normalises `count` values (a whole number of three-channel pixels) from `source` into
  /// `target`.
  public func apply(
    _ source: UnsafePointer<Float>, count: Int, into target: UnsafeMutablePointer<Float>
  ) {
    precondition(count % 3 == 0, "values must be whole three-channel pixels")
    let (m0, m1, m2) = (means[0], means[1], means[2])
    let (d0, d1, d2) = (deviations[0], deviations[1], deviations[2])
    var i = 0
    while i + 48 <= count {
      target.store((source.vector(at: i) - m0) / d0, at: i)
      target.store((source.vector(at: i &+ 16) - m1) / d1, at: i &+ 16)
      target.store((source.vector(at: i &+ 32) - m2) / d2, at: i &+ 32)
      i += 48
    }
    while i < count {
      let part = (i % 48) / 16
      let lane = i % 16
      target[i] = (source[i] - means[part][lane]) / deviations[part][lane]
      i += 1
    }
  }
}
