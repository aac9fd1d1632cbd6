import Foundation
import SequenceModels
import Testing

/// The inputs of the golden cases: formulas that `scripts/goldens/recurrent.py` evaluates too.
enum RecurrentGoldenInputs {
  static let width = 4
  static let hidden = 3
  static let classes = 3
  static let frames = 5
  static let lengths = [5, 2, 3]

  static func feature(_ i: Int) -> Float { Float(sin(0.7 * Double(i) + 0.3)) }
  static func parameter(_ i: Int) -> Float { Float(0.5 * sin(1.3 * Double(i) + 0.1)) }

  /// Three clips padded to `frames`; the padding holds values too, so masking is exercised.
  static var clips: [SequenceClip] {
    lengths.indices.map { b in
      SequenceClip(
        features: (0..<(frames * width)).map { feature(b * frames * width + $0) },
        length: lengths[b], label: b)
    }
  }
}

/// Vidi's GRU and LSTM against PyTorch's `nn.GRU` and `nn.LSTM` on the same parameters: the
/// loss checks the forward pass (gates, masking, the state a clip ends with), the gradient
/// every backward path. The gradient checks alone would only show self-consistency.
@Suite struct RecurrentGoldenTests {
  typealias Inputs = RecurrentGoldenInputs

  static func check(_ layers: [LayerSpec], loss expectedLoss: Double, gradient expected: [Double]) {
    let architecture = Architecture(
      inputWidth: Inputs.width, layers: layers + [.dense(outputs: Inputs.classes, relu: false)],
      head: .clip)
    let count = architecture.parameterSpecs.reduce(0) { $0 + $1.count }
    #expect(count == expected.count, "parameter layout differs from the golden case")
    guard count == expected.count else { return }
    let (loss, gradient) = architecture.lossAndGradient(
      parameters: (0..<count).map(Inputs.parameter), clips: Inputs.clips, classes: Inputs.classes)
    #expect(
      abs(loss - expectedLoss) < 1e-5 * max(1, abs(expectedLoss)), "loss \(loss) vs \(expectedLoss)"
    )
    for (i, (value, reference)) in zip(gradient, expected).enumerated() {
      #expect(
        abs(Double(value) - reference) < 1e-5 + 1e-4 * abs(reference),
        "gradient[\(i)]: \(value) vs PyTorch \(reference)")
    }
  }

  @Test func gruMatchesPyTorch() {
    Self.check(
      [.gru(hidden: Inputs.hidden, returnSequences: false, bidirectional: false)],
      loss: RecurrentGoldens.gruLoss, gradient: RecurrentGoldens.gruGradient)
  }

  @Test func lstmMatchesPyTorch() {
    Self.check(
      [.lstm(hidden: Inputs.hidden, returnSequences: false, bidirectional: false)],
      loss: RecurrentGoldens.lstmLoss, gradient: RecurrentGoldens.lstmGradient)
  }

  @Test func bidirectionalGRUSequenceMatchesPyTorch() {
    Self.check(
      [.gru(hidden: Inputs.hidden, returnSequences: true, bidirectional: true), .meanPool],
      loss: RecurrentGoldens.bidirectionalGRUMeanPoolLoss,
      gradient: RecurrentGoldens.bidirectionalGRUMeanPoolGradient)
  }
}
