import Pipeline
import Testing

@Test func pipelineReExportsTheModulesItJoins() {
  #expect(BackboneID.default == .efficientnetLite0)
  #expect(ModelKind(rawValue: "gru") == .gru)
  #expect(!FFmpegLibraries.versions.isEmpty)
}
