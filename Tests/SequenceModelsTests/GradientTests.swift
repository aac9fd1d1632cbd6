import Foundation
import SequenceModels
import Testing

/// Every backward pass against central finite differences of the loss, in float32 with a
/// step and tolerance chosen for it: each tensor's gradient must match within 2 % (relative
/// L2 error over the tensor).
@Suite struct GradientTests {
  static let classes = 3
  static let width = 4

  /// Three short clips of different lengths and frame counts, so padding and masking are
  /// exercised.
  static func clips() -> [SequenceClip] {
    var generator = SeededGenerator(seed: 3)
    let frames = [5, 4, 5]
    let lengths = [5, 2, 3]
    return (0..<3).map { b in
      SequenceClip(
        features: Synthetic.gaussians(frames[b] * width, &generator), length: lengths[b],
        label: b % classes)
    }
  }

  /// Relative L2 error between the analytic and the numerical gradient of each tensor.
  static func tensorErrors(
    _ architecture: Architecture, classWeights: [Float]? = nil, smoothing: Double = 0,
    dropoutSeed: UInt64? = nil
  ) -> [(name: String, error: Double, norm: Double)] {
    var parameters = architecture.initialParameters(seed: 1)
    var generator = SeededGenerator(seed: 2)
    // Non-zero biases, so that their gradients and every path through them are tested.
    for i in parameters.indices { parameters[i] += Float(Synthetic.gaussian(&generator)) * 0.1 }
    let clips = clips()
    func loss(_ p: [Float]) -> Double {
      architecture.lossAndGradient(
        parameters: p, clips: clips, classes: classes, classWeights: classWeights,
        labelSmoothing: smoothing, dropoutSeed: dropoutSeed
      ).loss
    }
    let analytic = architecture.lossAndGradient(
      parameters: parameters, clips: clips, classes: classes, classWeights: classWeights,
      labelSmoothing: smoothing, dropoutSeed: dropoutSeed
    ).gradient
    let h: Float = 2e-3
    var offset = 0
    return architecture.parameterSpecs.map { spec in
      var difference: Double = 0
      var norm: Double = 0
      for i in offset..<(offset + spec.count) {
        var plus = parameters
        plus[i] += h
        var minus = parameters
        minus[i] -= h
        let numeric = (loss(plus) - loss(minus)) / Double(plus[i] - minus[i])
        difference += (numeric - Double(analytic[i])) * (numeric - Double(analytic[i]))
        norm += max(numeric * numeric, Double(analytic[i] * analytic[i]))
      }
      offset += spec.count
      return (spec.name, (difference / max(norm, 1e-12)).squareRoot(), norm.squareRoot())
    }
  }

  static func expectGradientsMatch(
    _ architecture: Architecture, classWeights: [Float]? = nil, smoothing: Double = 0,
    dropoutSeed: UInt64? = nil
  ) {
    for tensor in tensorErrors(
      architecture, classWeights: classWeights, smoothing: smoothing, dropoutSeed: dropoutSeed)
    {
      #expect(tensor.norm > 1e-4, "\(tensor.name) has a vanishing gradient; the check is void")
      #expect(tensor.error < 0.02, "\(tensor.name): relative error \(tensor.error)")
    }
  }

  /// Each layer after a dense layer, so that its input gradient is checked too.
  static let layerCases: [(String, Architecture)] = [
    (
      "dense+relu per frame",
      Architecture(
        inputWidth: width,
        layers: [.dense(outputs: 5, relu: true), .dense(outputs: 3, relu: false)],
        head: .frames)
    ),
    (
      "mean pool",
      Architecture(
        inputWidth: width,
        layers: [.dense(outputs: 5, relu: false), .meanPool, .dense(outputs: 3, relu: false)],
        head: .clip)
    ),
    (
      "gru sequences",
      Architecture(
        inputWidth: width,
        layers: [
          .dense(outputs: 5, relu: false),
          .gru(hidden: 4, returnSequences: true, bidirectional: false), .meanPool,
          .dense(outputs: 3, relu: false),
        ], head: .clip)
    ),
    (
      "gru last state",
      Architecture(
        inputWidth: width,
        layers: [
          .dense(outputs: 5, relu: false),
          .gru(hidden: 4, returnSequences: false, bidirectional: false),
          .dense(outputs: 3, relu: false),
        ], head: .clip)
    ),
    (
      "lstm sequences",
      Architecture(
        inputWidth: width,
        layers: [
          .dense(outputs: 5, relu: false),
          .lstm(hidden: 4, returnSequences: true, bidirectional: false), .meanPool,
          .dense(outputs: 3, relu: false),
        ], head: .clip)
    ),
    (
      "lstm last state",
      Architecture(
        inputWidth: width,
        layers: [
          .dense(outputs: 5, relu: false),
          .lstm(hidden: 4, returnSequences: false, bidirectional: false),
          .dense(outputs: 3, relu: false),
        ], head: .clip)
    ),
    (
      "bidirectional gru, stacked",
      Architecture(
        inputWidth: width,
        layers: [
          .dense(outputs: 5, relu: false),
          .gru(hidden: 3, returnSequences: true, bidirectional: true),
          .gru(hidden: 3, returnSequences: false, bidirectional: true),
          .dense(outputs: 3, relu: false),
        ], head: .clip)
    ),
    (
      "bidirectional lstm, stacked",
      Architecture(
        inputWidth: width,
        layers: [
          .dense(outputs: 5, relu: false),
          .lstm(hidden: 3, returnSequences: true, bidirectional: true),
          .lstm(hidden: 3, returnSequences: false, bidirectional: true),
          .dense(outputs: 3, relu: false),
        ], head: .clip)
    ),
  ]

  @Test(arguments: layerCases.indices)
  func layerGradients(index: Int) {
    Self.expectGradientsMatch(Self.layerCases[index].1)
  }

  @Test func dropoutGradientUsesTheSameMask() {
    Self.expectGradientsMatch(
      Architecture(
        inputWidth: Self.width,
        layers: [
          .dense(outputs: 6, relu: false), .dropout(rate: 0.5), .dense(outputs: 3, relu: false),
        ], head: .frames),
      dropoutSeed: 42)
  }

  @Test func weightedSmoothedLossGradient() {
    Self.expectGradientsMatch(
      Architecture(
        inputWidth: Self.width,
        layers: [.meanPool, .dense(outputs: 3, relu: false)], head: .clip),
      classWeights: [0.5, 2, 1], smoothing: 0.2)
  }

  @Test(arguments: ModelKind.allCases)
  func modelGradients(kind: ModelKind) {
    var config = TrainingConfig(model: kind)
    if kind != .seedGRU {
      config.hyperparameters = ModelHyperparameters(
        hiddenSize: 4, layers: 2, dropout: 0.3, inputDropout: 0.2,
        bidirectional: kind == .lstm)
    }
    Self.expectGradientsMatch(
      config.architecture(inputWidth: Self.width, classes: Self.classes), dropoutSeed: 9)
  }

  @Test func uniformLogitsCostLogOfClassCount() {
    let architecture = Architecture(
      inputWidth: Self.width, layers: [.meanPool, .dense(outputs: 3, relu: false)], head: .clip)
    let zeros = [Float](repeating: 0, count: architecture.parameterSpecs.map(\.count).reduce(0, +))
    for smoothing in [0.0, 0.3] {
      let loss = architecture.lossAndGradient(
        parameters: zeros, clips: Self.clips(), classes: 3, labelSmoothing: smoothing
      ).loss
      #expect(abs(loss - log(3.0)) < 1e-6)
    }
  }
}
