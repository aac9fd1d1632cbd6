import Foundation

/// One direction of a recurrent layer over `[batch, steps, inputs]`, honouring the step mask: a
/// masked step leaves the state unchanged (its output is the carried state) and gets no gradient.
protocol RecurrentDirection: AnyObject {
  /// Runs the sequence and writes `[batch, steps or 1, hidden]` rows `outputStride` apart.
  func forward(
    _ input: UnsafePointer<Float>, shape: ActivationShape, context: ForwardContext,
    output: UnsafeMutablePointer<Float>, outputStride: Int)
  /// Back-propagates through the last forward call. Writes the input gradient to `dInput`, or
  /// adds it there when `accumulate` (the second direction of a bidirectional layer).
  func backward(
    _ dOutput: UnsafePointer<Float>, outputStride: Int, context: BackwardContext,
    dInput: UnsafeMutablePointer<Float>?, accumulate: Bool)
}

/// A GRU or LSTM layer, one direction or both (outputs concatenated forward first, like Keras'
/// `Bidirectional`). Returns every step's output or the state after the last valid step.
final class RecurrentLayer: Layer {
  let inputs: Int
  let hidden: Int
  let returnSequences: Bool
  let directions: [any RecurrentDirection]

  private let output = FloatBuffer()
  private let dInput = FloatBuffer()
  private var inputShape = ActivationShape(batch: 0, steps: 0, width: 0)

  init(inputs: Int, hidden: Int, returnSequences: Bool, directions: [any RecurrentDirection]) {
    self.inputs = inputs
    self.hidden = hidden
    self.returnSequences = returnSequences
    self.directions = directions
  }

  func outputShape(for input: ActivationShape) -> ActivationShape {
    ActivationShape(
      batch: input.batch, steps: returnSequences ? input.steps : 1,
      width: hidden * directions.count)
  }

  func forward(
    _ input: UnsafePointer<Float>, shape: ActivationShape, context: ForwardContext
  ) -> UnsafePointer<Float> {
    precondition(shape.width == inputs)
    inputShape = shape
    let outShape = outputShape(for: shape)
    output.reserve(outShape.count)
    for (k, direction) in directions.enumerated() {
      direction.forward(
        input, shape: shape, context: context, output: output.pointer + k * hidden,
        outputStride: outShape.width)
    }
    return UnsafePointer(output.pointer)
  }

  func backward(
    _ dOutput: UnsafePointer<Float>, context: BackwardContext, needsInputGradient: Bool
  ) -> UnsafePointer<Float>? {
    var dX: UnsafeMutablePointer<Float>?
    if needsInputGradient {
      dInput.reserve(inputShape.count)
      dX = dInput.pointer
    }
    let width = hidden * directions.count
    for (k, direction) in directions.enumerated() {
      direction.backward(
        dOutput + k * hidden, outputStride: width, context: context, dInput: dX,
        accumulate: k > 0)
    }
    return dX.map { UnsafePointer($0) }
  }
}

@inline(__always) func sigmoid(_ x: Float) -> Float { 1 / (1 + exp(-x)) }
