/// Inverted dropout: while training, zeroes each value with probability `rate` and scales the
/// survivors by `1 / (1 - rate)`, so inference is the identity.
final class DropoutLayer: Layer {
  let rate: Float
  /// Mixed into the pass's seed so that two dropout layers draw different masks.
  let index: UInt64

  private let output = FloatBuffer()
  private let keep = FloatBuffer()
  private let dInput = FloatBuffer()
  private var count = 0
  private var active = false

  init(rate: Float, index: Int) {
    self.rate = rate
    self.index = UInt64(index)
  }

  func outputShape(for input: ActivationShape) -> ActivationShape { input }

  func forward(
    _ input: UnsafePointer<Float>, shape: ActivationShape, context: ForwardContext
  ) -> UnsafePointer<Float> {
    count = shape.count
    active = context.training && rate > 0
    guard active else { return input }
    keep.reserve(count)
    output.reserve(count)
    let scale = 1 / (1 - rate)
    var generator = SeededGenerator(seed: context.dropoutSeed, stream: index)
    let k = keep.pointer
    let y = output.pointer
    for i in 0..<count {
      k[i] = generator.nextUnitFloat() < rate ? 0 : scale
      y[i] = input[i] * k[i]
    }
    return UnsafePointer(y)
  }

  func backward(
    _ dOutput: UnsafePointer<Float>, context: BackwardContext, needsInputGradient: Bool
  ) -> UnsafePointer<Float>? {
    guard needsInputGradient else { return nil }
    guard active else { return dOutput }
    dInput.reserve(count)
    let d = dInput.pointer
    let k = keep.pointer
    for i in 0..<count { d[i] = dOutput[i] * k[i] }
    return UnsafePointer(d)
  }
}
