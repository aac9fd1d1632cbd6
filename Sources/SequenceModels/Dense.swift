import NumericCore

/// Fully connected layer applied to every row: `y = x·W + b`, optionally followed by ReLU.
///
/// Parameters: `kernel` `[inputs, outputs]` and `bias` `[outputs]` (the Keras layout).
final class DenseLayer: Layer {
  let inputs: Int
  let outputs: Int
  let relu: Bool
  let kernelOffset: Int
  let biasOffset: Int

  private let output = FloatBuffer()
  private let dPreActivation = FloatBuffer()
  private let dInput = FloatBuffer()
  private var input: UnsafePointer<Float>?
  private var rows = 0

  init(inputs: Int, outputs: Int, relu: Bool, kernelOffset: Int, biasOffset: Int) {
    self.inputs = inputs
    self.outputs = outputs
    self.relu = relu
    self.kernelOffset = kernelOffset
    self.biasOffset = biasOffset
  }

  func outputShape(for input: ActivationShape) -> ActivationShape {
    ActivationShape(batch: input.batch, steps: input.steps, width: outputs)
  }

  func forward(
    _ input: UnsafePointer<Float>, shape: ActivationShape, context: ForwardContext
  ) -> UnsafePointer<Float> {
    precondition(shape.width == inputs)
    self.input = input
    rows = shape.rows
    output.reserve(rows * outputs)
    let y = output.pointer
    BLAS.sgemm(
      m: rows, n: outputs, k: inputs,
      a: input, lda: inputs, b: context.parameters + kernelOffset, ldb: outputs,
      c: y, ldc: outputs)
    addBias(context.parameters + biasOffset, to: y, rows: rows, width: outputs, ld: outputs)
    if relu {
      for i in 0..<(rows * outputs) where y[i] < 0 { y[i] = 0 }
    }
    return UnsafePointer(y)
  }

  func backward(
    _ dOutput: UnsafePointer<Float>, context: BackwardContext, needsInputGradient: Bool
  ) -> UnsafePointer<Float>? {
    guard let input else { preconditionFailure("backward before forward") }
    var dY = dOutput
    if relu {
      dPreActivation.reserve(rows * outputs)
      let d = dPreActivation.pointer
      let y = output.pointer
      for i in 0..<(rows * outputs) { d[i] = y[i] > 0 ? dOutput[i] : 0 }
      dY = UnsafePointer(d)
    }
    BLAS.sgemm(
      transposeA: true, m: inputs, n: outputs, k: rows,
      a: input, lda: inputs, b: dY, ldb: outputs,
      beta: 1, c: context.gradients + kernelOffset, ldc: outputs)
    accumulateColumnSums(
      of: dY, rows: rows, width: outputs, ld: outputs, into: context.gradients + biasOffset)
    guard needsInputGradient else { return nil }
    dInput.reserve(rows * inputs)
    BLAS.sgemm(
      transposeB: true, m: rows, n: inputs, k: outputs,
      a: dY, lda: outputs, b: context.parameters + kernelOffset, ldb: outputs,
      c: dInput.pointer, ldc: inputs)
    return UnsafePointer(dInput.pointer)
  }
}
