import Foundation
import SequenceModels
import Testing

@Suite struct ModelFileTests {
  static let provenance = FeatureProvenance(
    backbone: "efficientnet-lite0", backboneWeightsSHA256: String(repeating: "ab", count: 32),
    preprocessing: "resize 256, center crop 224, ImageNet mean/std", sampling: "uniform",
    frameCount: 8, cropSize: 224)

  static func model(_ kind: ModelKind = .gru) throws -> TrainedModel {
    var config = TrainingConfig(model: kind, seed: 5)
    config.epochs = 2
    config.hyperparameters.hiddenSize = 8
    if kind == .gru { config.hyperparameters.bidirectional = true }
    if kind == .seedGRU { config.hyperparameters = .seed }
    return try Trainer.train(
      Synthetic.orderFreeTask(clips: 40, seed: 2), config: config, provenance: provenance)
  }

  /// A fresh temporary folder, removed by the caller.
  static func scratch() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "vidi-modelfile-\(UUID())")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }

  @Test(arguments: ModelKind.allCases)
  func saveLoadRoundTripsBitExactly(kind: ModelKind) throws {
    let folder = try Self.scratch()
    defer { try? FileManager.default.removeItem(at: folder) }
    let model = try Self.model(kind)
    let first = folder.appendingPathComponent("a.vidi")
    try model.save(to: first)
    let loaded = try TrainedModel.load(from: first)
    #expect(loaded == model)
    let second = folder.appendingPathComponent("b.vidi")
    try loaded.save(to: second)
    for name in ["config.json", "weights.safetensors"] {
      #expect(
        try Data(contentsOf: first.appendingPathComponent(name))
          == Data(contentsOf: second.appendingPathComponent(name)))
    }
    let clip = Synthetic.orderFreeTask(clips: 1, seed: 3).clips[0]
    #expect(
      try loaded.predict(features: clip.features, length: clip.length)
        == model.predict(features: clip.features, length: clip.length))
  }

  @Test func weightsFileIsStandardSafetensors() throws {
    let folder = try Self.scratch()
    defer { try? FileManager.default.removeItem(at: folder) }
    let model = try Self.model()
    let url = folder.appendingPathComponent("m.vidi")
    try model.save(to: url)
    let bytes = [UInt8](try Data(contentsOf: url.appendingPathComponent("weights.safetensors")))
    let headerLength = (0..<8).reduce(0) { $0 | Int(bytes[$1]) << (8 * $1) }
    let header = try #require(
      try JSONSerialization.jsonObject(with: Data(bytes[8..<(8 + headerLength)]))
        as? [String: Any])
    var total = 0
    for spec in model.parameterSpecs {
      let entry = try #require(header[spec.name] as? [String: Any])
      #expect(entry["dtype"] as? String == "F32")
      #expect(entry["shape"] as? [Int] == spec.shape)
      let offsets = try #require(entry["data_offsets"] as? [Int])
      #expect(offsets[1] - offsets[0] == 4 * spec.count)
      total += 4 * spec.count
    }
    #expect(bytes.count == 8 + headerLength + total)
    let config = try #require(
      try JSONSerialization.jsonObject(
        with: Data(contentsOf: url.appendingPathComponent("config.json"))) as? [String: Any])
    #expect(config["classes"] as? [String] == model.classes)
    #expect(config["formatVersion"] as? Int == 1)
    #expect(config["model"] as? String == "gru")
  }

  @Test func savingOverAnExistingModelReplacesItAndLeavesNoTemporaries() throws {
    let folder = try Self.scratch()
    defer { try? FileManager.default.removeItem(at: folder) }
    let url = folder.appendingPathComponent("m.vidi")
    try Self.model(.meanPool).save(to: url)
    let replacement = try Self.model(.lstm)
    try replacement.save(to: url)
    #expect(try TrainedModel.load(from: url) == replacement)
    #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["m.vidi"])
  }

  /// Saves a model, lets `damage` edit the folder, and returns the load error's text.
  static func loadError(after damage: (URL) throws -> Void) throws -> String {
    let folder = try scratch()
    defer { try? FileManager.default.removeItem(at: folder) }
    let url = folder.appendingPathComponent("m.vidi")
    try model().save(to: url)
    try damage(url)
    do {
      _ = try TrainedModel.load(from: url)
      return "loaded"
    } catch let error as ModelFileError {
      return error.description
    }
  }

  static func editConfig(_ url: URL, _ edit: (inout [String: Any]) -> Void) throws {
    let file = url.appendingPathComponent("config.json")
    var json = try #require(
      try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any])
    edit(&json)
    try JSONSerialization.data(withJSONObject: json).write(to: file)
  }

  static func rewriteWeights(_ url: URL, _ edit: (inout [String: Any], inout [UInt8]) -> Void)
    throws
  {
    let file = url.appendingPathComponent("weights.safetensors")
    let bytes = [UInt8](try Data(contentsOf: file))
    let length = (0..<8).reduce(0) { $0 | Int(bytes[$1]) << (8 * $1) }
    var header = try #require(
      try JSONSerialization.jsonObject(with: Data(bytes[8..<(8 + length)])) as? [String: Any])
    var data = Array(bytes[(8 + length)...])
    edit(&header, &data)
    let newHeader = [UInt8](try JSONSerialization.data(withJSONObject: header))
    let prefix = (0..<8).map { UInt8((newHeader.count >> (8 * $0)) & 0xff) }
    try Data(prefix + newHeader + data).write(to: file)
  }

  @Test func corruptOrMismatchedFilesGiveOneLineErrors() throws {
    let specs = try Self.model().parameterSpecs
    let recurrentBias = try #require(specs.first { $0.name.hasSuffix("gru.forward.bias") }).name
    let outputBias = try #require(specs.last).name
    let cases: [(String, (URL) throws -> Void, String)] = [
      (
        "future version",
        { try Self.editConfig($0) { $0["formatVersion"] = 7 } },
        "model format version 7 is not supported"
      ),
      (
        "not a model", { try Data("{}".utf8).write(to: $0.appendingPathComponent("config.json")) },
        "not a Vidi model config"
      ),
      (
        "config missing a key", { try Self.editConfig($0) { $0["classes"] = nil } },
        "missing key classes"
      ),
      (
        "missing weights",
        {
          try FileManager.default.removeItem(at: $0.appendingPathComponent("weights.safetensors"))
        },
        "weights.safetensors: no such file"
      ),
      (
        "truncated weights",
        {
          let file = $0.appendingPathComponent("weights.safetensors")
          let data = try Data(contentsOf: file)
          try data.prefix(data.count - 10).write(to: file)
        },
        "corrupt weights: truncated"
      ),
      (
        "truncated header",
        {
          let file = $0.appendingPathComponent("weights.safetensors")
          try Data(contentsOf: file).prefix(20).write(to: file)
        },
        "corrupt weights: truncated"
      ),
      (
        "missing tensor",
        { try Self.rewriteWeights($0) { header, _ in header[recurrentBias] = nil } },
        "missing tensor \(recurrentBias)"
      ),
      (
        "shape mismatch",
        {
          try Self.rewriteWeights($0) { header, _ in
            var entry = header[outputBias] as! [String: Any]
            let offsets = entry["data_offsets"] as! [Int]
            entry["shape"] = [(offsets[1] - offsets[0]) / 4 / 2, 2]
            header[outputBias] = entry
          }
        },
        "tensor \(outputBias) has shape [2, 2], the architecture needs [4]"
      ),
      (
        "wrong dtype",
        {
          try Self.rewriteWeights($0) { header, _ in
            var entry = header[outputBias] as! [String: Any]
            entry["dtype"] = "F16"
            header[outputBias] = entry
          }
        },
        "dtype F16, expected F32"
      ),
      (
        "mean of the wrong size",
        {
          try Self.editConfig($0) {
            var normalization = $0["featureNormalization"] as! [String: Any]
            normalization["mean"] = [0.0]
            $0["featureNormalization"] = normalization
          }
        },
        "feature mean/std must have featureDimension"
      ),
    ]
    for (name, damage, expected) in cases {
      let message = try Self.loadError(after: damage)
      #expect(message.contains(expected), "\(name): \(message)")
      #expect(message.contains("m.vidi/"), "\(name) names the file: \(message)")
      #expect(!message.contains("\n"), "\(name): \(message)")
    }
    let folder = try Self.scratch()
    defer { try? FileManager.default.removeItem(at: folder) }
    #expect(throws: ModelFileError.self) {
      try TrainedModel.load(from: folder.appendingPathComponent("absent.vidi"))
    }
  }

  @Test func provenanceCheckNamesTheMismatchedField() throws {
    let model = try Self.model(.meanPool)
    try model.checkProvenance(Self.provenance, modelPath: "m.vidi")
    var other = Self.provenance
    other.backbone = "mobilenet-v2"
    #expect(
      throws: ModelFileError.provenanceMismatch(
        path: "m.vidi", field: "backbone", model: "efficientnet-lite0", features: "mobilenet-v2")
    ) { try model.checkProvenance(other, modelPath: "m.vidi") }
    other = Self.provenance
    other.frameCount = 16
    #expect(throws: ModelFileError.self) { try model.checkProvenance(other, modelPath: "m.vidi") }
  }

  /// Features of either precision agree to cosine 0.999, so the precision is recorded but not
  /// checked; models written before it was recorded decode without it.
  @Test func precisionIsRecordedButAnyIsAccepted() throws {
    var bf16 = Self.provenance
    bf16.precision = .bf16
    try Self.model(.meanPool).checkProvenance(bf16, modelPath: "m.vidi")
    let old = Data(
      #"{"backbone":"b","backboneWeightsSHA256":"ab","preprocessing":"p","sampling":"uniform","frameCount":8,"cropSize":224}"#
        .utf8)
    #expect(try JSONDecoder().decode(FeatureProvenance.self, from: old).precision == nil)
  }
}
