import Foundation
import NumericCore

/// One direction of an LSTM (Keras gate order i, f, c, o):
///
///     a = x·W + h·U + b     i, f, o = σ(a_i, a_f, a_o)     g = tanh(a_c)
///     c' = f ⊙ c + i ⊙ g    h' = o ⊙ tanh(c')
///
/// Parameters: `kernel` `[inputs, 4H]`, `recurrent_kernel` `[H, 4H]`, `bias` `[4H]` (the forget
/// gate's part starts at 1, Keras' `unit_forget_bias`).
final class LSTMDirection: RecurrentDirection {
  let inputs: Int
  let hidden: Int
  let reverse: Bool
  let returnSequences: Bool
  let kernelOffset: Int
  let recurrentOffset: Int
  let biasOffset: Int

  private let projected = FloatBuffer()  // x·W + b, [rows, 4H]
  private let gates = FloatBuffer()  // i, f, g, o per step, [rows, 4H]
  private let cells = FloatBuffer()  // cell after each step, [rows, H]
  private let previousCells = FloatBuffer()  // [rows, H]
  private let previous = FloatBuffer()  // hidden state before each step, [rows, H]
  private let state = FloatBuffer()
  private let cellState = FloatBuffer()
  private let recurrentProjection = FloatBuffer()
  private let dPreActivation = FloatBuffer()
  private let dState = FloatBuffer()
  private let dCell = FloatBuffer()
  private var input: UnsafePointer<Float>?
  private var shape = ActivationShape(batch: 0, steps: 0, width: 0)

  init(
    inputs: Int, hidden: Int, reverse: Bool, returnSequences: Bool,
    kernelOffset: Int, recurrentOffset: Int, biasOffset: Int
  ) {
    self.inputs = inputs
    self.hidden = hidden
    self.reverse = reverse
    self.returnSequences = returnSequences
    self.kernelOffset = kernelOffset
    self.recurrentOffset = recurrentOffset
    self.biasOffset = biasOffset
  }

  func forward(
    _ input: UnsafePointer<Float>, shape: ActivationShape, context: ForwardContext,
    output: UnsafeMutablePointer<Float>, outputStride: Int
  ) {
    self.input = input
    self.shape = shape
    let (batch, steps, h) = (shape.batch, shape.steps, hidden)
    let g = 4 * h
    let rows = shape.rows
    let recurrent = context.parameters + recurrentOffset
    projected.reserve(rows * g)
    gates.reserve(rows * g)
    cells.reserve(rows * h)
    previousCells.reserve(rows * h)
    previous.reserve(rows * h)
    recurrentProjection.reserve(batch * g)
    let xp = projected.pointer
    let hp = recurrentProjection.pointer
    let state = state.zeroed(batch * h)
    let cell = cellState.zeroed(batch * h)
    BLAS.sgemm(
      m: rows, n: g, k: inputs, a: input, lda: inputs, b: context.parameters + kernelOffset,
      ldb: g, c: xp, ldc: g)
    addBias(context.parameters + biasOffset, to: xp, rows: rows, width: g, ld: g)

    for step in 0..<steps {
      let t = reverse ? steps - 1 - step : step
      BLAS.sgemm(m: batch, n: g, k: h, a: state, lda: h, b: recurrent, ldb: g, c: hp, ldc: g)
      for b in 0..<batch {
        let row = b * steps + t
        let hb = state + b * h
        let cb = cell + b * h
        (previous.pointer + row * h).update(from: hb, count: h)
        (previousCells.pointer + row * h).update(from: cb, count: h)
        if context.mask[row] != 0 {
          let x = xp + row * g
          let r0 = hp + b * g
          let gate = gates.pointer + row * g
          let c = cells.pointer + row * h
          for j in 0..<h {
            let i = sigmoid(x[j] + r0[j])
            let f = sigmoid(x[h + j] + r0[h + j])
            let u = tanh(x[2 * h + j] + r0[2 * h + j])
            let o = sigmoid(x[3 * h + j] + r0[3 * h + j])
            gate[j] = i
            gate[h + j] = f
            gate[2 * h + j] = u
            gate[3 * h + j] = o
            let next = f * cb[j] + i * u
            c[j] = next
            cb[j] = next
            hb[j] = o * tanh(next)
          }
        }
        if returnSequences { (output + row * outputStride).update(from: hb, count: h) }
      }
    }
    if !returnSequences {
      for b in 0..<batch { (output + b * outputStride).update(from: state + b * h, count: h) }
    }
  }

  func backward(
    _ dOutput: UnsafePointer<Float>, outputStride: Int, context: BackwardContext,
    dInput: UnsafeMutablePointer<Float>?, accumulate: Bool
  ) {
    guard let input else { preconditionFailure("backward before forward") }
    let (batch, steps, h) = (shape.batch, shape.steps, hidden)
    let g = 4 * h
    let rows = shape.rows
    let recurrent = context.parameters + recurrentOffset
    dPreActivation.reserve(rows * g)
    let da = dPreActivation.pointer
    let dh = dState.zeroed(batch * h)
    let dc = dCell.zeroed(batch * h)
    if !returnSequences {
      for b in 0..<batch { (dh + b * h).update(from: dOutput + b * outputStride, count: h) }
    }

    for step in 0..<steps {
      let t = reverse ? step : steps - 1 - step
      for b in 0..<batch {
        let row = b * steps + t
        let dhb = dh + b * h
        let dcb = dc + b * h
        if returnSequences {
          let incoming = dOutput + row * outputStride
          for j in 0..<h { dhb[j] += incoming[j] }
        }
        let d = da + row * g
        guard context.mask[row] != 0 else {
          d.update(repeating: 0, count: g)
          continue
        }
        let gate = gates.pointer + row * g
        let c = cells.pointer + row * h
        let cPrev = previousCells.pointer + row * h
        for j in 0..<h {
          let (i, f, u, o) = (gate[j], gate[h + j], gate[2 * h + j], gate[3 * h + j])
          let tc = tanh(c[j])
          let dCellTotal = dcb[j] + dhb[j] * o * (1 - tc * tc)
          d[j] = dCellTotal * u * i * (1 - i)
          d[h + j] = dCellTotal * cPrev[j] * f * (1 - f)
          d[2 * h + j] = dCellTotal * i * (1 - u * u)
          d[3 * h + j] = dhb[j] * tc * o * (1 - o)
          dcb[j] = dCellTotal * f
          dhb[j] = 0
        }
      }
      BLAS.sgemm(
        transposeB: true, m: batch, n: h, k: g,
        a: da + t * g, lda: steps * g, b: recurrent, ldb: g,
        beta: 1, c: dh, ldc: h)
    }

    let grads = context.gradients
    BLAS.sgemm(
      transposeA: true, m: h, n: g, k: rows, a: previous.pointer, lda: h, b: da, ldb: g,
      beta: 1, c: grads + recurrentOffset, ldc: g)
    BLAS.sgemm(
      transposeA: true, m: inputs, n: g, k: rows, a: input, lda: inputs, b: da, ldb: g,
      beta: 1, c: grads + kernelOffset, ldc: g)
    accumulateColumnSums(of: da, rows: rows, width: g, ld: g, into: grads + biasOffset)
    if let dInput {
      BLAS.sgemm(
        transposeB: true, m: rows, n: inputs, k: g, a: da, lda: g,
        b: context.parameters + kernelOffset, ldb: g,
        beta: accumulate ? 1 : 0, c: dInput, ldc: inputs)
    }
  }
}
