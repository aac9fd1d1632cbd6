import Foundation

/// Frames per second of an encoder on this machine, for sizing jobs.
public struct Throughput: Sendable, Codable, Equatable {
  public let backbone: BackboneID
  public let batch: Int
  /// `batch / median call time`.
  public let framesPerSecond: Double
  public let threads: Int
  /// Timed calls the median was taken over.
  public let calls: Int

  /// Arithmetic rate, counting one multiply-add as two operations.
  public func gigaflops(multiplyAddsPerFrame: Int) -> Double {
    framesPerSecond * Double(2 * multiplyAddsPerFrame) / 1e9
  }

  /// Runs `encoder` on random frames of `batch` for about `seconds` after one warm-up call and
  /// reports the median rate; the median shrugs off calls slowed by other processes.
  public static func measure(_ encoder: FrameEncoder, batch: Int, seconds: Double) -> Throughput {
    // Pixel values from a fixed pseudo-random sequence: cheap, and the arithmetic does not
    // depend on them anyway.
    var state: UInt32 = 0x9E37_79B9
    let frames = (0..<(batch * encoder.valuesPerFrame)).map { _ in
      state = state &* 1_664_525 &+ 1_013_904_223
      return Float(state >> 24)
    }
    _ = encoder.encode(frames: frames, count: batch)
    var durations: [Double] = []
    let clock = ContinuousClock()
    let end = clock.now + .seconds(seconds)
    repeat {
      let start = clock.now
      _ = encoder.encode(frames: frames, count: batch)
      let elapsed = start.duration(to: clock.now)
      durations.append(
        Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
    } while clock.now < end || durations.count < 3
    durations.sort()
    return Throughput(
      backbone: encoder.backbone, batch: batch,
      framesPerSecond: Double(batch) / durations[durations.count / 2], threads: encoder.threads,
      calls: durations.count)
  }
}
