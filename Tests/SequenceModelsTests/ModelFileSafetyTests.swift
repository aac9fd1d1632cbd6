import Foundation
import SequenceModels
import Testing

extension Tag {
  /// Mutation runs: CI runs them at their default size; `VIDI_FUZZ_MUTANTS` makes them longer.
  @Tag static var fuzz: Self
}

/// Crafted and damaged `.vidi` folders: every one is refused with a one-line error naming the
/// file, or loads as a model that predicts finite probabilities; none crashes the process.
@Suite struct ModelFileSafetyTests {
  typealias Files = ModelFileTests

  /// Saves a model, lets `damage` edit the folder, and returns the load error's text.
  static func loadError(after damage: (URL) throws -> Void) throws -> String {
    try Files.loadError(after: damage)
  }

  /// Sets `key` in `hyperparameters` and in `training.config.hyperparameters` alike, so the
  /// crafted value itself is judged, not the disagreement.
  static func setHyperparameter(_ key: String, _ value: Any, in json: inout [String: Any]) {
    var hyperparameters = json["hyperparameters"] as! [String: Any]
    hyperparameters[key] = value
    json["hyperparameters"] = hyperparameters
    var training = json["training"] as! [String: Any]
    var config = training["config"] as! [String: Any]
    config["hyperparameters"] = hyperparameters
    training["config"] = config
    json["training"] = training
  }

  static func setProvenance(_ key: String, _ value: Any, in json: inout [String: Any]) {
    var provenance = json["provenance"] as! [String: Any]
    provenance[key] = value
    json["provenance"] = provenance
  }

  static func setNormalization(
    _ key: String, index: Int, _ value: Double, in json: inout [String: Any]
  ) {
    var normalization = json["featureNormalization"] as! [String: Any]
    var values = normalization[key] as! [Double]
    values[index] = value
    normalization[key] = values
    json["featureNormalization"] = normalization
  }

  @Test func craftedSizesAreRefusedBeforeAnythingIsAllocated() throws {
    let specs = try Files.model().parameterSpecs
    let outputBias = try #require(specs.last).name
    func shape(_ shape: [Int]) -> (URL) throws -> Void {
      { url in
        try Files.rewriteWeights(url) { header, _ in
          var entry = header[outputBias] as! [String: Any]
          entry["shape"] = shape
          header[outputBias] = entry
        }
      }
    }
    let cases: [(String, (URL) throws -> Void, String)] = [
      (
        "frameCount 0",
        { try Files.editConfig($0) { Self.setProvenance("frameCount", 0, in: &$0) } },
        "provenance.frameCount 0 outside 1...512"
      ),
      (
        "frameCount -3",
        { try Files.editConfig($0) { Self.setProvenance("frameCount", -3, in: &$0) } },
        "provenance.frameCount -3"
      ),
      (
        "frameCount 100000",
        { try Files.editConfig($0) { Self.setProvenance("frameCount", 100_000, in: &$0) } },
        "provenance.frameCount 100000"
      ),
      (
        "cropSize 0", { try Files.editConfig($0) { Self.setProvenance("cropSize", 0, in: &$0) } },
        "provenance.cropSize 0"
      ),
      (
        "hiddenSize -5",
        { try Files.editConfig($0) { Self.setHyperparameter("hiddenSize", -5, in: &$0) } },
        "hiddenSize -5 outside"
      ),
      (
        "hiddenSize 2^40",
        { try Files.editConfig($0) { Self.setHyperparameter("hiddenSize", 1 << 40, in: &$0) } },
        "hiddenSize 1099511627776 outside"
      ),
      (
        "layers -1", { try Files.editConfig($0) { Self.setHyperparameter("layers", -1, in: &$0) } },
        "layers -1 outside"
      ),
      (
        "layers 10^6",
        { try Files.editConfig($0) { Self.setHyperparameter("layers", 1_000_000, in: &$0) } },
        "layers 1000000 outside"
      ),
      (
        "layers 64, hidden 65536",
        {
          try Files.editConfig($0) {
            Self.setHyperparameter("layers", 64, in: &$0)
            Self.setHyperparameter("hiddenSize", 65_536, in: &$0)
          }
        }, "truncated: the architecture needs"
      ),
      (
        "featureDimension 2^40", { try Files.editConfig($0) { $0["featureDimension"] = 1 << 40 } },
        "featureDimension 1099511627776 outside"
      ),
      (
        "one class", { try Files.editConfig($0) { $0["classes"] = ["only"] } },
        "classes (count) 1 outside"
      ),
      (
        "repeated classes",
        {
          try Files.editConfig($0) { json in
            let classes = json["classes"] as! [String]
            json["classes"] = classes.map { _ in "same" }
          }
        }, "class names repeat"
      ),
      (
        "dropout 7",
        { try Files.editConfig($0) { Self.setHyperparameter("dropout", 7.0, in: &$0) } },
        "dropout 7.0 outside"
      ),
      (
        "std 0",
        { try Files.editConfig($0) { Self.setNormalization("std", index: 3, 0, in: &$0) } },
        "featureNormalization.std[3] is 0.0"
      ),
      (
        "std -1",
        { try Files.editConfig($0) { Self.setNormalization("std", index: 0, -1, in: &$0) } },
        "featureNormalization.std[0] is -1.0"
      ),
      (
        "std subnormal",
        { try Files.editConfig($0) { Self.setNormalization("std", index: 1, 1e-45, in: &$0) } },
        "featureNormalization.std[1]"
      ),
      (
        "mean beyond Float",
        { try Files.editConfig($0) { Self.setNormalization("mean", index: 2, 1e300, in: &$0) } },
        "featureNormalization.mean[2]"
      ),
      ("shape [2^62]", shape([1 << 62]), "does not hold shape [4611686018427387904]"),
      (
        "shape [2^32, 2^32]", shape([1 << 32, 1 << 32]),
        "does not hold shape [4294967296, 4294967296]"
      ),
      ("shape [2^31, 2^31, 4]", shape([1 << 31, 1 << 31, 4]), "does not hold shape"),
      (
        "byte length mismatch",
        {
          try Files.rewriteWeights($0) { header, _ in
            var entry = header[outputBias] as! [String: Any]
            let offsets = entry["data_offsets"] as! [Int]
            entry["data_offsets"] = [offsets[0], offsets[1] - 4]
            header[outputBias] = entry
          }
        },
        "byte range"
      ),
      (
        "offsets past the end",
        {
          try Files.rewriteWeights($0) { header, _ in
            var entry = header[outputBias] as! [String: Any]
            entry["data_offsets"] = [Int.max - 8, Int.max]
            header[outputBias] = entry
          }
        },
        "corrupt weights"
      ),
    ]
    for (name, damage, expected) in cases {
      let message = try Self.loadError(after: damage)
      #expect(message.contains(expected), "\(name): \(message)")
      #expect(message.contains("m.vidi/"), "\(name) names the file: \(message)")
      #expect(!message.contains("\n"), "\(name): \(message)")
    }
  }

  @Test func changedWeightsFailTheirRecordedDigest() throws {
    let message = try Self.loadError { url in
      let file = url.appendingPathComponent("weights.safetensors")
      var bytes = [UInt8](try Data(contentsOf: file))
      for index in stride(from: 996, to: bytes.count, by: 997) { bytes[index] ^= 0x5a }
      try Data(bytes).write(to: file)
    }
    #expect(message.contains("weights.safetensors: corrupt weights: SHA-256 is "), "\(message)")
    #expect(message.contains("config.json records"), "\(message)")
  }

  @Test func aModelWithoutARecordedDigestStillLoads() throws {
    let folder = try Files.scratch()
    defer { try? FileManager.default.removeItem(at: folder) }
    let url = folder.appendingPathComponent("m.vidi")
    let model = try Files.model()
    try model.save(to: url)
    let config = try #require(
      try JSONSerialization.jsonObject(
        with: Data(contentsOf: url.appendingPathComponent("config.json"))) as? [String: Any])
    #expect((config["weightsSHA256"] as? String)?.count == 64)
    try Files.editConfig(url) { $0["weightsSHA256"] = nil }
    #expect(try TrainedModel.load(from: url) == model)
  }

  @Test func nonFiniteWeightsAreRefusedWithoutADigestToo() throws {
    let message = try Self.loadError { url in
      let file = url.appendingPathComponent("weights.safetensors")
      var bytes = [UInt8](try Data(contentsOf: file))
      let nan = Float.nan.bitPattern
      for offset in 0..<4 {
        bytes[bytes.count - 4 + offset] = UInt8(truncatingIfNeeded: nan >> (8 * offset))
      }
      try Data(bytes).write(to: file)
      try Files.editConfig(url) { $0["weightsSHA256"] = nil }
    }
    #expect(message.contains("holds NaN or infinite values"), "\(message)")
  }

  @Test func modelFoldersAreRecognisedByTheirConfig() throws {
    let folder = try Files.scratch()
    defer { try? FileManager.default.removeItem(at: folder) }
    let url = folder.appendingPathComponent("m.vidi")
    try Files.model(.meanPool).save(to: url)
    #expect(TrainedModel.isModelFolder(url))
    #expect(!TrainedModel.isModelFolder(folder))
    let notes = folder.appendingPathComponent("notes")
    try FileManager.default.createDirectory(at: notes, withIntermediateDirectories: true)
    try Data("{\"format\":\"other\"}".utf8).write(to: notes.appendingPathComponent("config.json"))
    #expect(!TrainedModel.isModelFolder(notes))
  }

  @Test func savingNeverReplacesWhatIsNotAModel() throws {
    let folder = try Files.scratch()
    defer { try? FileManager.default.removeItem(at: folder) }
    let documents = folder.appendingPathComponent("documents")
    try FileManager.default.createDirectory(at: documents, withIntermediateDirectories: true)
    try Data("keep".utf8).write(to: documents.appendingPathComponent("letter.txt"))
    let file = folder.appendingPathComponent("notes.txt")
    try Data("keep".utf8).write(to: file)
    let model = try Files.model(.meanPool)
    for target in [documents, file] {
      let error = #expect(throws: ModelFileError.self) { try model.save(to: target) }
      #expect(error?.description.contains("is not a Vidi model folder") == true)
    }
    #expect(
      try String(contentsOf: documents.appendingPathComponent("letter.txt"), encoding: .utf8)
        == "keep")
    #expect(try String(contentsOf: file, encoding: .utf8) == "keep")
    #expect(
      try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() == [
        "documents", "notes.txt",
      ])
  }

  /// A save killed between writing and renaming left `.m.vidi.tmp-*` folders for ever.
  @Test func savingRemovesStaleLeftoversOfKilledSaves() throws {
    let folder = try Files.scratch()
    defer { try? FileManager.default.removeItem(at: folder) }
    let url = folder.appendingPathComponent("m.vidi")
    let model = try Files.model(.meanPool)
    let hourAgo = Date().addingTimeInterval(-7200)
    for name in [".m.vidi.tmp-stale", ".m.vidi.old-stale", ".m.vidi.tmp-running"] {
      let leftover = folder.appendingPathComponent(name)
      try model.save(to: leftover)
      if name.hasSuffix("stale") {
        try FileManager.default.setAttributes(
          [.modificationDate: hourAgo], ofItemAtPath: leftover.path)
      }
    }
    try model.save(to: url)
    #expect(try TrainedModel.load(from: url) == model)
    #expect(
      try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        == [".m.vidi.tmp-running", "m.vidi"], "a fresh temporary may belong to a running save")
  }

  /// Mutates a small saved model `VIDI_FUZZ_MUTANTS` times (default 1000): byte flips and
  /// truncations of either file, crafted numbers in place of the config's numbers and the
  /// safetensors shapes. Each is loaded in this process; a model that loads must predict.
  @Test(.tags(.fuzz)) func mutatedModelFoldersNeverCrash() throws {
    let mutants = ProcessInfo.processInfo.environment["VIDI_FUZZ_MUTANTS"].flatMap(Int.init) ?? 1000
    let folder = try Files.scratch()
    defer { try? FileManager.default.removeItem(at: folder) }
    let url = folder.appendingPathComponent("m.vidi")
    try Files.model().save(to: url)
    let configURL = url.appendingPathComponent("config.json")
    let weightsURL = url.appendingPathComponent("weights.safetensors")
    let config = [UInt8](try Data(contentsOf: configURL))
    let weights = [UInt8](try Data(contentsOf: weightsURL))
    var generator = SeededGenerator(seed: 2026)
    var (refused, loaded) = (0, 0)
    for index in 0..<mutants {
      var (mutatedConfig, mutatedWeights) = (config, weights)
      if index % 2 == 0 {
        mutatedConfig = Mutation.apply(to: config, using: &generator)
      } else {
        mutatedWeights = Mutation.apply(to: weights, using: &generator)
      }
      try Data(mutatedConfig).write(to: configURL)
      try Data(mutatedWeights).write(to: weightsURL)
      let model: TrainedModel
      do {
        model = try TrainedModel.load(from: url)
      } catch let error as ModelFileError {
        #expect(!error.description.contains("\n"), "mutant \(index): \(error)")
        refused += 1
        continue
      }
      loaded += 1
      let frames = 4
      let features = (0..<(frames * model.featureDimension)).map { Float($0 % 7) - 3 }
      let probabilities = try model.predict(features: features, length: frames)
      #expect(probabilities.allSatisfy { $0.isFinite }, "mutant \(index) predicts \(probabilities)")
    }
    #expect(refused + loaded == mutants)
    #expect(refused > mutants / 2, "most mutants damage the model: \(refused) refused")
    print("model-folder mutants: \(mutants), refused \(refused), loaded \(loaded), crashes 0")
  }
}

/// One random change to a file's bytes, biased towards the values that broke loaders before.
enum Mutation {
  /// Numbers that overflow, allocate too much or sit just outside a bound.
  static let craftedNumbers = [
    "0", "-1", "-3", "-5", "100000", "1000000", "4294967296", "1099511627776",
    "4611686018427387904", "9223372036854775807", "1e308", "-0.0", "65537",
  ]

  static func apply(to bytes: [UInt8], using generator: inout SeededGenerator) -> [UInt8] {
    var bytes = bytes
    switch Int.random(in: 0..<5, using: &generator) {
    case 0:
      for _ in 0..<Int.random(in: 1...8, using: &generator) {
        let index = Int.random(in: 0..<bytes.count, using: &generator)
        bytes[index] ^= UInt8.random(in: 1...255, using: &generator)
      }
    case 1:
      bytes.removeLast(Int.random(in: 1...bytes.count, using: &generator))
    case 2:
      let index = Int.random(in: 0..<min(bytes.count, 8), using: &generator)
      bytes[index] = UInt8.random(in: 0...255, using: &generator)
    default:
      bytes = replacingNumber(in: bytes, using: &generator)
    }
    return bytes
  }

  /// Replaces one run of ASCII digits (a JSON number, a shape, an offset) with a crafted number.
  static func replacingNumber(in bytes: [UInt8], using generator: inout SeededGenerator)
    -> [UInt8]
  {
    let isDigit = { (byte: UInt8) in (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }
    let limit = min(bytes.count, 64 * 1024)
    let starts = (0..<limit).filter { isDigit(bytes[$0]) && ($0 == 0 || !isDigit(bytes[$0 - 1])) }
    guard let start = starts.randomElement(using: &generator) else { return bytes }
    var end = start
    while end < bytes.count, isDigit(bytes[end]) { end += 1 }
    let number = craftedNumbers.randomElement(using: &generator)!
    return Array(bytes[..<start]) + Array(number.utf8) + Array(bytes[end...])
  }
}
