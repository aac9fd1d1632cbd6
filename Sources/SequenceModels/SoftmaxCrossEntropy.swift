import Foundation

/// Softmax of each row of `logits` (`rows × classes`) into `probabilities`.
func softmaxRows(
  _ logits: UnsafePointer<Float>, rows: Int, classes: Int,
  into probabilities: UnsafeMutablePointer<Float>
) {
  for row in 0..<rows {
    let z = logits + row * classes
    let p = probabilities + row * classes
    var maximum = z[0]
    for k in 1..<classes { maximum = max(maximum, z[k]) }
    var sum: Float = 0
    for k in 0..<classes {
      p[k] = exp(z[k] - maximum)
      sum += p[k]
    }
    for k in 0..<classes { p[k] /= sum }
  }
}

/// Weighted softmax cross-entropy with label smoothing, on logits already turned into
/// `probabilities` by `softmaxRows`.
///
/// The target of a row with label `y` is `q = (1 − ε)·onehot(y) + ε / classes`. Returns
/// `Σ weight[row] · (−Σ q log p)` and writes its gradient with respect to the logits,
/// `weight[row] · (p − q)`, to `dLogits`. Rows of weight 0 (masked frames) get a zero gradient.
func softmaxCrossEntropy(
  probabilities: UnsafePointer<Float>, rows: Int, classes: Int,
  labels: UnsafePointer<Int32>, weights: UnsafePointer<Float>, smoothing: Float,
  dLogits: UnsafeMutablePointer<Float>
) -> Double {
  var loss: Double = 0
  let offTarget = smoothing / Float(classes)
  let onTarget = 1 - smoothing + offTarget
  for row in 0..<rows {
    let p = probabilities + row * classes
    let d = dLogits + row * classes
    let weight = weights[row]
    guard weight != 0 else {
      d.update(repeating: 0, count: classes)
      continue
    }
    let label = Int(labels[row])
    var rowLoss: Double = 0
    for k in 0..<classes {
      let q = k == label ? onTarget : offTarget
      if q > 0 { rowLoss -= Double(q) * log(max(Double(p[k]), 1e-38)) }
      d[k] = weight * (p[k] - q)
    }
    loss += Double(weight) * rowLoss
  }
  return loss
}
