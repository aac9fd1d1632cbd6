import Foundation
import NumericCore

/// One direction of a GRU in the reset-after form (Keras' default, PyTorch and cuDNN):
///
///     z = σ(x·Wz + bz + h·Uz + cz)        r = σ(x·Wr + br + h·Ur + cr)
///     n = tanh(x·Wn + bn + r ⊙ (h·Un + cn))   h' = z ⊙ h + (1 − z) ⊙ n
///
/// Parameters (Keras layout, gate order z, r, n): `kernel` `[inputs, 3H]`, `recurrent_kernel`
/// `[H, 3H]`, `bias` `[2, 3H]` (input bias row, then recurrent bias row).
///
/// The input projection of all steps is one matrix product before the loop, and the weight
/// gradients are one product each after the backward loop; only `h·U` runs per step.
final class GRUDirection: RecurrentDirection {
  let inputs: Int
  let hidden: Int
  let reverse: Bool
  let returnSequences: Bool
  let kernelOffset: Int
  let recurrentOffset: Int
  let biasOffset: Int

  private let projected = FloatBuffer()  // x·W + b, [rows, 3H]
  private let gates = FloatBuffer()  // z, r, n per step, [rows, 3H]
  private let recurrentCandidate = FloatBuffer()  // h·Un + cn, [rows, H]
  private let previous = FloatBuffer()  // state before each step, [rows, H]
  private let state = FloatBuffer()  // [batch, H]
  private let recurrentProjection = FloatBuffer()  // [batch, 3H]
  private let dProjected = FloatBuffer()
  private let dRecurrent = FloatBuffer()
  private let dState = FloatBuffer()
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
    let g = 3 * h
    let rows = shape.rows
    let kernel = context.parameters + kernelOffset
    let recurrent = context.parameters + recurrentOffset
    let bias = context.parameters + biasOffset
    projected.reserve(rows * g)
    gates.reserve(rows * g)
    recurrentCandidate.reserve(rows * h)
    previous.reserve(rows * h)
    recurrentProjection.reserve(batch * g)
    let xp = projected.pointer
    let state = state.zeroed(batch * h)
    let hp = recurrentProjection.pointer
    BLAS.sgemm(
      m: rows, n: g, k: inputs, a: input, lda: inputs, b: kernel, ldb: g, c: xp, ldc: g)
    addBias(bias, to: xp, rows: rows, width: g, ld: g)

    for step in 0..<steps {
      let t = reverse ? steps - 1 - step : step
      BLAS.sgemm(m: batch, n: g, k: h, a: state, lda: h, b: recurrent, ldb: g, c: hp, ldc: g)
      addBias(bias + g, to: hp, rows: batch, width: g, ld: g)
      for b in 0..<batch {
        let row = b * steps + t
        let hb = state + b * h
        (previous.pointer + row * h).update(from: hb, count: h)
        if context.mask[row] != 0 {
          let x = xp + row * g
          let r0 = hp + b * g
          let gate = gates.pointer + row * g
          let candidate = recurrentCandidate.pointer + row * h
          for j in 0..<h {
            let z = sigmoid(x[j] + r0[j])
            let r = sigmoid(x[h + j] + r0[h + j])
            let n = tanh(x[2 * h + j] + r * r0[2 * h + j])
            gate[j] = z
            gate[h + j] = r
            gate[2 * h + j] = n
            candidate[j] = r0[2 * h + j]
            hb[j] = z * hb[j] + (1 - z) * n
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
    let g = 3 * h
    let rows = shape.rows
    let kernel = context.parameters + kernelOffset
    let recurrent = context.parameters + recurrentOffset
    dProjected.reserve(rows * g)
    dRecurrent.reserve(rows * g)
    let dxp = dProjected.pointer
    let dhp = dRecurrent.pointer
    let dh = dState.zeroed(batch * h)
    if !returnSequences {
      for b in 0..<batch { (dh + b * h).update(from: dOutput + b * outputStride, count: h) }
    }

    for step in 0..<steps {
      let t = reverse ? step : steps - 1 - step
      for b in 0..<batch {
        let row = b * steps + t
        let dhb = dh + b * h
        if returnSequences {
          let incoming = dOutput + row * outputStride
          for j in 0..<h { dhb[j] += incoming[j] }
        }
        let dx = dxp + row * g
        let dr0 = dhp + row * g
        guard context.mask[row] != 0 else {
          dx.update(repeating: 0, count: g)
          dr0.update(repeating: 0, count: g)
          continue
        }
        let gate = gates.pointer + row * g
        let candidate = recurrentCandidate.pointer + row * h
        let hPrev = previous.pointer + row * h
        for j in 0..<h {
          let (z, r, n) = (gate[j], gate[h + j], gate[2 * h + j])
          let d = dhb[j]
          let dn = d * (1 - z) * (1 - n * n)
          let dz = d * (hPrev[j] - n) * z * (1 - z)
          let dr = dn * candidate[j] * r * (1 - r)
          dx[j] = dz
          dx[h + j] = dr
          dx[2 * h + j] = dn
          dr0[j] = dz
          dr0[h + j] = dr
          dr0[2 * h + j] = dn * r
          dhb[j] = d * z
        }
      }
      BLAS.sgemm(
        transposeB: true, m: batch, n: h, k: g,
        a: dhp + t * g, lda: steps * g, b: recurrent, ldb: g,
        beta: 1, c: dh, ldc: h)
    }

    let grads = context.gradients
    BLAS.sgemm(
      transposeA: true, m: h, n: g, k: rows, a: previous.pointer, lda: h, b: dhp, ldb: g,
      beta: 1, c: grads + recurrentOffset, ldc: g)
    BLAS.sgemm(
      transposeA: true, m: inputs, n: g, k: rows, a: input, lda: inputs, b: dxp, ldb: g,
      beta: 1, c: grads + kernelOffset, ldc: g)
    accumulateColumnSums(of: dxp, rows: rows, width: g, ld: g, into: grads + biasOffset)
    accumulateColumnSums(of: dhp, rows: rows, width: g, ld: g, into: grads + biasOffset + g)
    if let dInput {
      BLAS.sgemm(
        transposeB: true, m: rows, n: inputs, k: g, a: dxp, lda: g, b: kernel, ldb: g,
        beta: accumulate ? 1 : 0, c: dInput, ldc: inputs)
    }
  }
}
