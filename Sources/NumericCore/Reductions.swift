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
