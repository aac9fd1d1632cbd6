import SequenceModels
import Testing

@Test func modelKindsParseFromTheirCommandLineNames() {
  #expect(ModelKind(rawValue: "seed-gru") == .seedGRU)
  #expect(ModelKind(rawValue: "frame-average") == .frameAverage)
  #expect(ModelKind.allCases.count == 5)
}
