/// Averages each clip's valid steps: `[batch, steps, width]` → `[batch, 1, width]`.
final class MeanPoolLayer: Layer {
  private let output = FloatBuffer()
  private let dInput = FloatBuffer()
  private var shape = ActivationShape(batch: 0, steps: 0, width: 0)

  func outputShape(for input: ActivationShape) -> ActivationShape {
    ActivationShape(batch: input.batch, steps: 1, width: input.width)
  }

  func forward(
    _ input: UnsafePointer<Float>, shape: ActivationShape, context: ForwardContext
  ) -> UnsafePointer<Float> {
    self.shape = shape
    let width = shape.width
    let y = output.zeroed(shape.batch * width)
    for b in 0..<shape.batch {
      let count = validSteps(of: b, context.mask)
      guard count > 0 else { continue }
      let scale = 1 / Float(count)
      for t in 0..<shape.steps where context.mask[b * shape.steps + t] != 0 {
        let row = input + (b * shape.steps + t) * width
        for j in 0..<width { y[b * width + j] += row[j] * scale }
      }
    }
    return UnsafePointer(y)
  }

  func backward(
    _ dOutput: UnsafePointer<Float>, context: BackwardContext, needsInputGradient: Bool
  ) -> UnsafePointer<Float>? {
    guard needsInputGradient else { return nil }
    let width = shape.width
    let d = dInput.zeroed(shape.count)
    for b in 0..<shape.batch {
      let count = validSteps(of: b, context.mask)
      guard count > 0 else { continue }
      let scale = 1 / Float(count)
      for t in 0..<shape.steps where context.mask[b * shape.steps + t] != 0 {
        let row = d + (b * shape.steps + t) * width
        for j in 0..<width { row[j] = dOutput[b * width + j] * scale }
      }
    }
    return UnsafePointer(d)
  }

  private func validSteps(of clip: Int, _ mask: UnsafePointer<Float>) -> Int {
    (0..<shape.steps).reduce(0) { $0 + (mask[clip * shape.steps + $1] != 0 ? 1 : 0) }
  }
}
