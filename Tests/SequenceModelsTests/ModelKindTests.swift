import SequenceModels
import Testing

@Test func modelKindsParseFromTheirCommandLineNames() {
  #expect(ModelKind(rawValue: "seed-gru") == .seedGRU)
  #expect(ModelKind(rawValue: "frame-average") == .frameAverage)
  #expect(ModelKind(rawValue: "linear") == .linear)
  #expect(ModelKind.allCases.count == 6)
}
