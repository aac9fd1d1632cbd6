import Foundation

/// How a parameter tensor is initialised (Keras' defaults for each role).
enum Initializer: Equatable, Sendable {
  case glorotUniform
  case orthogonal
  case zeros
  /// Zeros except ones for the forget gate, the second quarter (Keras' `unit_forget_bias`).
  case lstmBias
}

/// A named tensor inside a model's flat parameter array.
public struct ParameterSpec: Equatable, Sendable {
  /// The tensor's name in `weights.safetensors`.
  public let name: String
  public let shape: [Int]
  let offset: Int
  let initializer: Initializer
  /// Weight decay applies to kernels, not biases.
  let decays: Bool

  public var count: Int { shape.reduce(1, *) }
}

/// Hands out consecutive ranges of the flat parameter array.
struct ParameterLayout: Equatable, Sendable {
  private(set) var specs: [ParameterSpec] = []
  private(set) var count = 0

  mutating func add(_ name: String, _ shape: [Int], _ initializer: Initializer) -> Int {
    let offset = count
    let spec = ParameterSpec(
      name: name, shape: shape, offset: offset, initializer: initializer,
      decays: initializer == .glorotUniform || initializer == .orthogonal)
    specs.append(spec)
    count += spec.count
    return offset
  }
}

/// One stage of an architecture. Layers map `[batch, steps, width]` activations; dense and
/// dropout act on every row, so they work on sequences and on single vectors alike.
public enum LayerSpec: Equatable, Sendable {
  /// `x·W + b` on every row, optionally followed by ReLU.
  case dense(outputs: Int, relu: Bool)
  /// Inverted dropout, active only while training.
  case dropout(rate: Float)
  /// A GRU returning every step's output or only the state after the last valid step;
  /// bidirectional concatenates a reversed GRU's output.
  case gru(hidden: Int, returnSequences: Bool, bidirectional: Bool)
  /// An LSTM, with the same options as `gru`.
  case lstm(hidden: Int, returnSequences: Bool, bidirectional: Bool)
  /// The mean of each clip's valid steps.
  case meanPool
}

/// Where the loss is taken: on one output per clip, or on every valid frame (whose
/// probabilities are then averaged into the clip's).
public enum Head: Equatable, Sendable {
  /// The network ends with one row of logits per clip.
  case clip
  /// The network ends with logits for every frame; each valid frame is trained with its clip's
  /// label and a clip's probabilities are the mean of its frames'.
  case frames
}

/// A network's stages, the width of its input and its head.
public struct Architecture: Equatable, Sendable {
  public var inputWidth: Int
  public var layers: [LayerSpec]
  public var head: Head

  public init(inputWidth: Int, layers: [LayerSpec], head: Head) {
    self.inputWidth = inputWidth
    self.layers = layers
    self.head = head
  }

  var parameterLayout: ParameterLayout { Network(self).layout }

  /// The parameter tensors, in the order of the flat parameter array.
  public var parameterSpecs: [ParameterSpec] { parameterLayout.specs }

  /// Keras-style initial parameters, as one flat array.
  public func initialParameters(seed: UInt64) -> [Float] {
    Network(self).initialParameters(seed: seed)
  }

  /// The training loss of one batch and its gradient with respect to the flat parameter
  /// array: exactly the trainer's step, single-threaded, on features used as given (no
  /// standardisation). With a `dropoutSeed` dropout is active with that seed's masks.
  public func lossAndGradient(
    parameters: [Float], clips: [SequenceClip], classes: Int, classWeights: [Float]? = nil,
    labelSmoothing: Double = 0, dropoutSeed: UInt64? = nil
  ) -> (loss: Double, gradient: [Float]) {
    let worker = Worker(architecture: self, classes: classes)
    worker.load(
      clips,
      standardizer: Standardizer(
        mean: [Float](repeating: 0, count: inputWidth),
        std: [Float](repeating: 1, count: inputWidth)))
    let weights = clips.map { classWeights?[$0.label] ?? 1 }
    let total = weights.reduce(0, +)
    return parameters.withUnsafeBufferPointer { p in
      worker.forward(
        parameters: p.baseAddress!, training: dropoutSeed != nil, dropoutSeed: dropoutSeed ?? 0)
      let loss = worker.backward(
        parameters: p.baseAddress!, clipWeights: weights.map { $0 / total },
        smoothing: Float(labelSmoothing))
      let count = worker.network.layout.count
      return (loss, Array(UnsafeBufferPointer(start: worker.gradients.pointer, count: count)))
    }
  }
}

/// Layer objects bound to their parameter ranges, plus their activation buffers. Each worker
/// builds its own; the parameters themselves are shared.
final class Network {
  let architecture: Architecture
  let layers: [any Layer]
  let layout: ParameterLayout
  /// Whether a layer's input gradient is used: only when some earlier layer has parameters.
  private let needsInputGradient: [Bool]

  init(_ architecture: Architecture) {
    self.architecture = architecture
    var layout = ParameterLayout()
    var layers: [any Layer] = []
    var needs: [Bool] = []
    var width = architecture.inputWidth
    var hasParameters = false
    for (index, spec) in architecture.layers.enumerated() {
      needs.append(hasParameters)
      let prefix = "\(index)"
      switch spec {
      case .dense(let outputs, let relu):
        let kernel = layout.add("\(prefix).dense.kernel", [width, outputs], .glorotUniform)
        let bias = layout.add("\(prefix).dense.bias", [outputs], .zeros)
        layers.append(
          DenseLayer(
            inputs: width, outputs: outputs, relu: relu, kernelOffset: kernel, biasOffset: bias))
        width = outputs
        hasParameters = true
      case .dropout(let rate):
        layers.append(DropoutLayer(rate: rate, index: index))
      case .meanPool:
        layers.append(MeanPoolLayer())
      case .gru(let hidden, let returnSequences, let bidirectional),
        .lstm(let hidden, let returnSequences, let bidirectional):
        let isGRU = if case .gru = spec { true } else { false }
        let gates = isGRU ? 3 : 4
        var directions: [any RecurrentDirection] = []
        for reverse in bidirectional ? [false, true] : [false] {
          let name =
            "\(prefix).\(isGRU ? "gru" : "lstm")"
            + (bidirectional ? (reverse ? ".backward" : ".forward") : "")
          let kernel = layout.add("\(name).kernel", [width, gates * hidden], .glorotUniform)
          let recurrent = layout.add(
            "\(name).recurrent_kernel", [hidden, gates * hidden], .orthogonal)
          let bias =
            isGRU
            ? layout.add("\(name).bias", [2, gates * hidden], .zeros)
            : layout.add("\(name).bias", [gates * hidden], .lstmBias)
          directions.append(
            isGRU
              ? GRUDirection(
                inputs: width, hidden: hidden, reverse: reverse, returnSequences: returnSequences,
                kernelOffset: kernel, recurrentOffset: recurrent, biasOffset: bias)
              : LSTMDirection(
                inputs: width, hidden: hidden, reverse: reverse, returnSequences: returnSequences,
                kernelOffset: kernel, recurrentOffset: recurrent, biasOffset: bias))
        }
        layers.append(
          RecurrentLayer(
            inputs: width, hidden: hidden, returnSequences: returnSequences,
            directions: directions))
        width = hidden * directions.count
        hasParameters = true
      }
    }
    self.layers = layers
    self.layout = layout
    self.needsInputGradient = needs
  }

  /// Runs every layer; returns the logits and their shape.
  func forward(
    _ input: UnsafePointer<Float>, shape: ActivationShape, context: ForwardContext
  ) -> (UnsafePointer<Float>, ActivationShape) {
    var activation = input
    var shape = shape
    for layer in layers {
      activation = layer.forward(activation, shape: shape, context: context)
      shape = layer.outputShape(for: shape)
    }
    return (activation, shape)
  }

  /// Back-propagates the gradient of the logits through the last forward call.
  func backward(_ dLogits: UnsafePointer<Float>, context: BackwardContext) {
    var gradient = dLogits
    for index in layers.indices.reversed() {
      let needs = needsInputGradient[index]
      guard let next = layers[index].backward(gradient, context: context, needsInputGradient: needs)
      else { return }
      gradient = next
    }
  }

  /// Fresh parameters drawn from each tensor's initialiser.
  func initialParameters(seed: UInt64) -> [Float] {
    var values = [Float](repeating: 0, count: layout.count)
    var generator = SeededGenerator(seed: seed, stream: 0)
    for spec in layout.specs {
      let tensor = initialValues(spec, using: &generator)
      values.replaceSubrange(spec.offset..<(spec.offset + spec.count), with: tensor)
    }
    return values
  }
}

/// Keras' initialisers: Glorot-uniform kernels, orthogonal recurrent kernels, zero biases.
private func initialValues(_ spec: ParameterSpec, using generator: inout SeededGenerator)
  -> [Float]
{
  switch spec.initializer {
  case .zeros:
    return [Float](repeating: 0, count: spec.count)
  case .lstmBias:
    let hidden = spec.count / 4
    return (0..<spec.count).map { $0 / hidden == 1 ? 1 : 0 }
  case .glorotUniform:
    let limit = Float((6 / Double(spec.shape[0] + spec.shape[1])).squareRoot())
    return (0..<spec.count).map { _ in (generator.nextUnitFloat() * 2 - 1) * limit }
  case .orthogonal:
    return orthogonalRows(rows: spec.shape[0], columns: spec.shape[1], using: &generator)
  }
}

/// A `rows × columns` matrix (rows ≤ columns) with orthonormal rows: Gram–Schmidt on Gaussian
/// rows, which equals Keras' QR-with-sign-fix construction in distribution.
private func orthogonalRows(rows: Int, columns: Int, using generator: inout SeededGenerator)
  -> [Float]
{
  precondition(rows <= columns)
  var basis: [[Double]] = []
  while basis.count < rows {
    var v = (0..<columns).map { _ in generator.nextGaussian() }
    for _ in 0..<2 {
      for q in basis {
        let dot = zip(v, q).reduce(0) { $0 + $1.0 * $1.1 }
        for j in 0..<columns { v[j] -= dot * q[j] }
      }
    }
    let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
    guard norm > 1e-6 else { continue }
    basis.append(v.map { $0 / norm })
  }
  return basis.flatMap { $0.map(Float.init) }
}
