import Dispatch

/// Per-dimension feature standardisation, `x' = (x − mean) / std`, fitted on training frames.
struct Standardizer: Equatable, Sendable {
  let mean: [Float]
  let std: [Float]
  /// `1 / std`, so standardising a batch multiplies instead of divides.
  let inverseStd: [Float]

  /// Mean and standard deviation of every valid frame of `dataset` (a constant dimension gets
  /// std 1, so it maps to 0 instead of dividing by zero).
  init(fitting dataset: SequenceDataset) {
    let d = dataset.featureDimension
    var sum = [Double](repeating: 0, count: d)
    var squares = [Double](repeating: 0, count: d)
    var frames = 0
    for clip in dataset.clips {
      for f in 0..<clip.length {
        for j in 0..<d {
          let x = Double(clip.features[f * d + j])
          sum[j] += x
          squares[j] += x * x
        }
      }
      frames += clip.length
    }
    let n = Double(max(frames, 1))
    mean = sum.map { Float($0 / n) }
    std = (0..<d).map { j in
      let variance = max(squares[j] / n - (sum[j] / n) * (sum[j] / n), 0)
      let deviation = Float(variance.squareRoot())
      return deviation > 1e-6 ? deviation : 1
    }
    inverseStd = std.map { 1 / $0 }
  }

  init(mean: [Float], std: [Float]) {
    self.mean = mean
    self.std = std
    inverseStd = std.map { 1 / $0 }
  }
}

/// One thread's share of a batch: the network's activations, its parameter gradients and the
/// batch buffers. Only the thread running it touches a worker.
final class Worker: @unchecked Sendable {
  let network: Network
  let classes: Int
  let gradients: FloatBuffer
  private let input = FloatBuffer()
  private let mask = FloatBuffer()
  private let probabilities = FloatBuffer()
  private let dLogits = FloatBuffer()
  private var labels: [Int32] = []
  private var rowWeights: [Float] = []
  private var clipLengths: [Int] = []
  private var clipLabels: [Int] = []
  private(set) var shape = ActivationShape(batch: 0, steps: 0, width: 0)
  /// `batch × classes` probabilities of the last forward pass.
  private(set) var clipProbabilities: [Float] = []
  /// The last training step's loss share and correctly classified clips.
  var stepLoss: Double = 0
  var stepCorrect = 0

  init(architecture: Architecture, classes: Int) {
    network = Network(architecture)
    self.classes = classes
    gradients = FloatBuffer(capacity: network.layout.count)
  }

  /// Copies `clips` into the batch buffer, standardised and zero-padded to the longest.
  func load(_ clips: [SequenceClip], standardizer: Standardizer) {
    let d = standardizer.mean.count
    let steps = clips.map { $0.features.count / d }.max() ?? 0
    shape = ActivationShape(batch: clips.count, steps: steps, width: d)
    let x = input.zeroed(shape.count)
    let m = mask.zeroed(shape.rows)
    clipLengths = clips.map(\.length)
    clipLabels = clips.map(\.label)
    let mean = standardizer.mean
    let inverseStd = standardizer.inverseStd
    for (b, clip) in clips.enumerated() {
      let frames = clip.features.count / d
      clip.features.withUnsafeBufferPointer { raw in
        for f in 0..<frames {
          let source = raw.baseAddress! + f * d
          let target = x + (b * steps + f) * d
          for j in 0..<d { target[j] = (source[j] - mean[j]) * inverseStd[j] }
        }
      }
      for f in 0..<clip.length { m[b * steps + f] = 1 }
    }
  }

  /// Runs the network on the loaded batch and fills `clipProbabilities` (for the frame head,
  /// the mean of each clip's valid frames' probabilities).
  func forward(parameters: UnsafePointer<Float>, training: Bool, dropoutSeed: UInt64) {
    let context = ForwardContext(
      parameters: parameters, mask: mask.pointer, training: training, dropoutSeed: dropoutSeed)
    let (logits, logitShape) = network.forward(input.pointer, shape: shape, context: context)
    let rows = logitShape.rows
    probabilities.reserve(rows * classes)
    softmaxRows(logits, rows: rows, classes: classes, into: probabilities.pointer)
    clipProbabilities = [Float](repeating: 0, count: shape.batch * classes)
    let p = probabilities.pointer
    switch network.architecture.head {
    case .clip:
      for i in 0..<(shape.batch * classes) { clipProbabilities[i] = p[i] }
    case .frames:
      for b in 0..<shape.batch {
        let scale = 1 / Float(clipLengths[b])
        for t in 0..<shape.steps where mask.pointer[b * shape.steps + t] != 0 {
          for k in 0..<classes {
            clipProbabilities[b * classes + k] += p[(b * shape.steps + t) * classes + k] * scale
          }
        }
      }
    }
  }

  /// The class probabilities of each valid frame of clip `b` in the last forward pass
  /// (frame head only).
  func frameProbabilities(clip b: Int) -> [[Float]] {
    (0..<clipLengths[b]).map { t in
      let row = probabilities.pointer + (b * shape.steps + t) * classes
      return Array(UnsafeBufferPointer(start: row, count: classes))
    }
  }

  /// Loss of the last (training) forward pass and its back-propagation into `gradients`
  /// (which it first zeroes). `clipWeights` are already divided by the whole batch's total
  /// weight, so the workers' gradients simply add up.
  func backward(
    parameters: UnsafePointer<Float>, clipWeights: [Float], smoothing: Float
  ) -> Double {
    let steps = shape.steps
    switch network.architecture.head {
    case .clip:
      labels = clipLabels.map { Int32($0) }
      rowWeights = clipWeights
    case .frames:
      labels = []
      rowWeights = []
      for b in 0..<shape.batch {
        let frameWeight = clipWeights[b] / Float(clipLengths[b])
        for t in 0..<steps {
          labels.append(Int32(clipLabels[b]))
          rowWeights.append(mask.pointer[b * steps + t] != 0 ? frameWeight : 0)
        }
      }
    }
    let rows = labels.count
    dLogits.reserve(rows * classes)
    let loss = labels.withUnsafeBufferPointer { l in
      rowWeights.withUnsafeBufferPointer { w in
        softmaxCrossEntropy(
          probabilities: probabilities.pointer, rows: rows, classes: classes,
          labels: l.baseAddress!, weights: w.baseAddress!, smoothing: smoothing,
          dLogits: dLogits.pointer)
      }
    }
    let g = gradients.zeroed(network.layout.count)
    network.backward(
      dLogits.pointer,
      context: BackwardContext(parameters: parameters, gradients: g, mask: mask.pointer))
    return loss
  }
}

/// Read-only parameters shared by the worker threads of one step.
struct SharedParameters: @unchecked Sendable {
  let pointer: UnsafePointer<Float>
}

/// Runs `body(0..<count)` on up to `count` threads and waits.
func runParallel(_ count: Int, _ body: @Sendable (Int) -> Void) {
  if count == 1 {
    body(0)
  } else {
    DispatchQueue.concurrentPerform(iterations: count, execute: body)
  }
}

/// `items` cut into at most `parts` contiguous, nearly equal, non-empty slices.
func contiguousParts<T>(_ items: ArraySlice<T>, parts: Int) -> [ArraySlice<T>] {
  let n = min(parts, items.count)
  guard n > 0 else { return [] }
  return (0..<n).map { k in
    let start = items.startIndex + k * items.count / n
    let end = items.startIndex + (k + 1) * items.count / n
    return items[start..<end]
  }
}
