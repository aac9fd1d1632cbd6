import Foundation

/// Adam with Keras' update rule and defaults (lr 1e-3, β 0.9 / 0.999, ε 1e-7), decoupled weight
/// decay on kernels (Keras 3 / AdamW: `θ -= lr · decay · θ` before the step).
public struct Adam: Sendable {
  public var learningRate: Float
  public var beta1: Float = 0.9
  public var beta2: Float = 0.999
  public var epsilon: Float = 1e-7
  public var weightDecay: Float = 0
  private var m: [Float]
  private var v: [Float]
  private var step = 0
  /// Ranges of the flat parameter array that weight decay applies to.
  private let decaying: [Range<Int>]

  /// An optimizer for `count` parameters; weight decay applies to the `decaying` ranges.
  public init(
    count: Int, learningRate: Float = 1e-3, weightDecay: Float = 0, decaying: [Range<Int>] = []
  ) {
    self.learningRate = learningRate
    self.weightDecay = weightDecay
    m = [Float](repeating: 0, count: count)
    v = [Float](repeating: 0, count: count)
    self.decaying = decaying
  }

  init(learningRate: Float, weightDecay: Float, layout: ParameterLayout) {
    self.init(
      count: layout.count, learningRate: learningRate, weightDecay: weightDecay,
      decaying: layout.specs.filter(\.decays).map { $0.offset..<($0.offset + $0.count) })
  }

  /// One step: `parameters -= update(gradients)`.
  public mutating func update(_ parameters: inout [Float], gradients: [Float]) {
    gradients.withUnsafeBufferPointer { update(&parameters, gradients: $0.baseAddress!) }
  }

  mutating func update(_ parameters: inout [Float], gradients: UnsafePointer<Float>) {
    step += 1
    let t = Float(step)
    let alpha = learningRate * (1 - pow(beta2, t)).squareRoot() / (1 - pow(beta1, t))
    if weightDecay > 0 {
      let shrink = 1 - learningRate * weightDecay
      for range in decaying {
        for i in range { parameters[i] *= shrink }
      }
    }
    let (b1, b2, eps) = (beta1, beta2, epsilon)
    parameters.withUnsafeMutableBufferPointer { p in
      m.withUnsafeMutableBufferPointer { m in
        v.withUnsafeMutableBufferPointer { v in
          for i in 0..<p.count {
            let g = gradients[i]
            m[i] += (g - m[i]) * (1 - b1)
            v[i] += (g * g - v[i]) * (1 - b2)
            p[i] -= alpha * m[i] / (v[i].squareRoot() + eps)
          }
        }
      }
    }
  }
}

/// Scales `gradients` so that their global L2 norm is at most `maximum`; returns the norm
/// before clipping.
@discardableResult
public func clipGlobalNorm(_ gradients: inout [Float], maximum: Float) -> Float {
  gradients.withUnsafeMutableBufferPointer {
    clipGlobalNorm($0.baseAddress!, count: $0.count, maximum: maximum)
  }
}

@discardableResult
func clipGlobalNorm(_ gradients: UnsafeMutablePointer<Float>, count: Int, maximum: Float)
  -> Float
{
  var sum: Double = 0
  for i in 0..<count { sum += Double(gradients[i]) * Double(gradients[i]) }
  let norm = Float(sum.squareRoot())
  if norm > maximum {
    let scale = maximum / norm
    for i in 0..<count { gradients[i] *= scale }
  }
  return norm
}
