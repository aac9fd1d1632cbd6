import Foundation
import NumericCore

/// Multinomial logistic regression with an L2 penalty on the weights (not the biases), fitted
/// full-batch to convergence by L-BFGS: the `linear` model and the per-frame classifier of
/// `frame-average`.
///
/// The objective is scikit-learn's, `Σᵢ wᵢ·CEᵢ + ‖W‖² / (2C)`, so `C` means what it means
/// there; it is minimised divided by `Σᵢ wᵢ`, which keeps the gradient's scale independent of
/// the number of rows. Deterministic: no randomness, and the same BLAS calls in the same order.
struct LogisticRegression {
  /// `count × dimension` inputs, row-major, already standardised.
  let inputs: [Double]
  let labels: [Int]
  /// One weight per row.
  let weights: [Double]
  let dimension: Int
  let classes: Int
  /// Inverse L2 strength, as scikit-learn's `C`.
  let c: Double

  var count: Int { labels.count }
  /// Weights `dimension × classes` (row-major, as a dense layer's kernel), then `classes` biases.
  var parameterCount: Int { (dimension + 1) * classes }

  /// The fitted parameters and how the solver ended.
  struct Fit {
    var parameters: [Double]
    /// The objective divided by the total row weight, at `parameters`.
    var objective: Double
    var iterations: Int
    /// The largest gradient component at the end: the convergence criterion.
    var gradientNorm: Double
  }

  /// Minimises the objective from zero weights.
  func fit(maxIterations: Int = 1000, tolerance: Double = 1e-6) -> Fit {
    let result = LBFGS.minimize(
      start: [Double](repeating: 0, count: parameterCount), maxIterations: maxIterations,
      tolerance: tolerance, function: objective)
    return Fit(
      parameters: result.point, objective: result.value, iterations: result.iterations,
      gradientNorm: result.gradientNorm)
  }

  /// The objective divided by the total row weight, and its gradient.
  func objective(_ parameters: [Double]) -> (value: Double, gradient: [Double]) {
    let (n, d, k) = (count, dimension, classes)
    var logits = [Double](repeating: 0, count: n * k)
    inputs.withUnsafeBufferPointer { x in
      parameters.withUnsafeBufferPointer { w in
        logits.withUnsafeMutableBufferPointer { z in
          BLAS.dgemm(
            m: n, n: k, k: d, a: x.baseAddress!, lda: d, b: w.baseAddress!, ldb: k,
            c: z.baseAddress!, ldc: k)
        }
      }
    }
    let total = weights.reduce(0, +)
    var loss: Double = 0
    // Turned in place into the weighted residual wᵢ(pᵢ − yᵢ) / Σw, the logits' gradient.
    var residual = logits
    var biasGradient = [Double](repeating: 0, count: k)
    for i in 0..<n {
      let row = i * k
      var largest = -Double.infinity
      for j in 0..<k {
        residual[row + j] += parameters[d * k + j]
        largest = max(largest, residual[row + j])
      }
      var sum: Double = 0
      for j in 0..<k {
        residual[row + j] = exp(residual[row + j] - largest)
        sum += residual[row + j]
      }
      let scale = weights[i] / total
      loss -= weights[i] * log(max(residual[row + labels[i]] / sum, .leastNormalMagnitude))
      for j in 0..<k {
        let target: Double = j == labels[i] ? 1 : 0
        residual[row + j] = scale * (residual[row + j] / sum - target)
        biasGradient[j] += residual[row + j]
      }
    }
    var gradient = [Double](repeating: 0, count: parameterCount)
    inputs.withUnsafeBufferPointer { x in
      residual.withUnsafeBufferPointer { r in
        gradient.withUnsafeMutableBufferPointer { g in
          BLAS.dgemm(
            transposeA: true, m: d, n: k, k: n, a: x.baseAddress!, lda: d, b: r.baseAddress!,
            ldb: k, c: g.baseAddress!, ldc: k)
        }
      }
    }
    let penalty = 1 / (c * total)
    var squares: Double = 0
    for index in 0..<(d * k) {
      squares += parameters[index] * parameters[index]
      gradient[index] += penalty * parameters[index]
    }
    for j in 0..<k { gradient[d * k + j] = biasGradient[j] }
    return (loss / total + 0.5 * penalty * squares, gradient)
  }
}

/// Limited-memory BFGS with a backtracking (Armijo) line search, for smooth convex objectives.
enum LBFGS {
  struct Result {
    var point: [Double]
    var value: Double
    var iterations: Int
    var gradientNorm: Double
  }

  /// Minimises `function` (value and gradient) from `start` until the largest gradient
  /// component is at most `tolerance`, no step lowers the value any more, or `maxIterations`.
  static func minimize(
    start: [Double], maxIterations: Int, tolerance: Double, memory: Int = 10,
    function: ([Double]) -> (value: Double, gradient: [Double])
  ) -> Result {
    var x = start
    var (value, gradient) = function(x)
    var history: [(s: [Double], y: [Double], rho: Double)] = []
    var iteration = 0
    while iteration < maxIterations, maxAbs(gradient) > tolerance {
      iteration += 1
      let direction = searchDirection(gradient, history)
      let slope = dot(direction, gradient)
      guard slope < 0 else { break }
      // Without curvature information yet, a first step of unit length.
      var step = history.isEmpty ? min(1, 1 / maxAbs(gradient)) : 1
      var accepted: (x: [Double], value: Double, gradient: [Double])?
      for _ in 0..<40 {
        let candidate = zip(x, direction).map { $0 + step * $1 }
        let (newValue, newGradient) = function(candidate)
        if newValue <= value + 1e-4 * step * slope {
          accepted = (candidate, newValue, newGradient)
          break
        }
        step *= 0.5
      }
      guard let accepted, accepted.value < value else { break }
      let s = zip(accepted.x, x).map { $0 - $1 }
      let y = zip(accepted.gradient, gradient).map { $0 - $1 }
      let curvature = dot(s, y)
      if curvature > 1e-12 {
        history.append((s, y, 1 / curvature))
        if history.count > memory { history.removeFirst() }
      }
      x = accepted.x
      value = accepted.value
      gradient = accepted.gradient
    }
    return Result(point: x, value: value, iterations: iteration, gradientNorm: maxAbs(gradient))
  }

  /// The two-loop recursion: the inverse-Hessian estimate times the negative gradient.
  private static func searchDirection(
    _ gradient: [Double], _ history: [(s: [Double], y: [Double], rho: Double)]
  ) -> [Double] {
    var q = gradient
    var alphas = [Double](repeating: 0, count: history.count)
    for index in history.indices.reversed() {
      let (s, y, rho) = history[index]
      alphas[index] = rho * dot(s, q)
      for i in q.indices { q[i] -= alphas[index] * y[i] }
    }
    if let last = history.last {
      let gamma = dot(last.s, last.y) / dot(last.y, last.y)
      for i in q.indices { q[i] *= gamma }
    }
    for index in history.indices {
      let (s, y, rho) = history[index]
      let beta = rho * dot(y, q)
      for i in q.indices { q[i] += (alphas[index] - beta) * s[i] }
    }
    return q.map { -$0 }
  }

  private static func dot(_ a: [Double], _ b: [Double]) -> Double {
    var sum: Double = 0
    for i in a.indices { sum += a[i] * b[i] }
    return sum
  }

  private static func maxAbs(_ values: [Double]) -> Double {
    values.reduce(0) { max($0, abs($1)) }
  }
}
