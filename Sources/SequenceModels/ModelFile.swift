import Foundation
import NumericCore

/// Why a model folder could not be read or written. Each description is one line naming the
/// file and the reason.
public enum ModelFileError: Error, Equatable, CustomStringConvertible {
  case missing(path: String)
  case unreadable(path: String, reason: String)
  case invalidConfig(path: String, reason: String)
  case unsupportedVersion(path: String, found: Int, supported: Int)
  case corruptWeights(path: String, reason: String)
  case missingTensor(path: String, name: String)
  case unexpectedTensor(path: String, name: String)
  case shapeMismatch(path: String, name: String, found: [Int], expected: [Int])
  case provenanceMismatch(path: String, field: String, model: String, features: String)
  case writeFailed(path: String, reason: String)

  public var description: String {
    switch self {
    case .missing(let path): "\(path): no such file"
    case .unreadable(let path, let reason): "\(path): cannot read: \(reason)"
    case .invalidConfig(let path, let reason): "\(path): invalid model config: \(reason)"
    case .unsupportedVersion(let path, let found, let supported):
      "\(path): model format version \(found) is not supported (this Vidi reads version "
        + "\(supported)); retrain or upgrade Vidi"
    case .corruptWeights(let path, let reason): "\(path): corrupt weights: \(reason)"
    case .missingTensor(let path, let name): "\(path): missing tensor \(name)"
    case .unexpectedTensor(let path, let name):
      "\(path): unexpected tensor \(name) for this architecture"
    case .shapeMismatch(let path, let name, let found, let expected):
      "\(path): tensor \(name) has shape \(found), the architecture needs \(expected)"
    case .provenanceMismatch(let path, let field, let model, let features):
      "\(path): model was trained on features with \(field) \(model), these have \(features)"
    case .writeFailed(let path, let reason): "\(path): cannot write: \(reason)"
    }
  }
}

/// `config.json` of a `.vidi` model folder.
struct ModelConfigFile: Codable, Equatable {
  static let formatName = "vidi-model"
  static let currentVersion = 1

  struct Normalization: Codable, Equatable {
    /// Float32 values widened to Double, which JSON round-trips exactly.
    var mean: [Double]
    var std: [Double]
  }

  var format: String
  var formatVersion: Int
  var classes: [String]
  var model: ModelKind
  var hyperparameters: ModelHyperparameters
  var featureDimension: Int
  var featureNormalization: Normalization
  var provenance: FeatureProvenance?
  var training: TrainingSummary
  /// Absent in models trained without selection (and in files from before it was recorded).
  var selection: ModelSelection?
  /// SHA-256 of `weights.safetensors`, hex; checked at load. Absent in files from before it
  /// was recorded, which load unchecked.
  var weightsSHA256: String?
  /// Absent in files from before it was recorded.
  var calibration: ModelCalibration?
  /// In an ensemble, how many other members it averages with, each a model folder
  /// `ensemble-member-N/` (N from 1); absent for a single model.
  var ensembleMembers: Int?
}

/// The sizes a model file may declare, checked before anything is allocated from them: far
/// above any model Vidi trains, far below sizes whose arithmetic overflows or whose buffers
/// exhaust memory.
enum ModelFileLimits {
  static let featureDimension = 1...65_536
  static let hiddenSize = 0...65_536
  static let layers = 0...64
  static let classes = 2...100_000
  static let cropSize = 1...4_096
}

/// Only the version fields, read first so that a future format fails on its version rather
/// than on whatever else changed.
private struct FormatHeader: Decodable {
  var format: String
  var formatVersion: Int
}

extension TrainedModel {
  static let configName = "config.json"
  static let weightsName = "weights.safetensors"
  /// The sub-folder holding the frame classifier, itself a model folder.
  static let frameClassifierName = "frame-classifier"

  /// The sub-folder holding an ensemble's `index`-th other member (from 1), a model folder.
  static func memberName(_ index: Int) -> String { "ensemble-member-\(index)" }

  /// Writes the model as a folder (conventionally `NAME.vidi`) holding `config.json` and
  /// `weights.safetensors`, plus its frame classifier as a model folder in `frame-classifier/`
  /// when it has one, and an ensemble's other members in `ensemble-member-1/`, `-2/`, ...
  /// (the folder's own weights are its first member's). The folder is written beside `url` under a temporary name and then
  /// renamed into place, so a reader never sees half a model and a failed save leaves an
  /// existing model intact. Anything at `url` that is not a model folder is never replaced.
  /// Temporaries that a killed save left beside `url` are removed first.
  public func save(to url: URL) throws {
    let fileManager = FileManager.default
    if fileManager.fileExists(atPath: url.path) && !Self.isModelFolder(url) {
      throw ModelFileError.writeFailed(
        path: url.path, reason: "it exists and is not a Vidi model folder; refusing to replace it")
    }
    removeStaleTemporaries(of: url)
    let parent = url.deletingLastPathComponent()
    let temporary = parent.appendingPathComponent(".\(url.lastPathComponent).tmp-\(UUID())")
    do {
      try write(into: temporary)
      try replace(url, with: temporary)
    } catch {
      try? fileManager.removeItem(at: temporary)
      throw ModelFileError.writeFailed(path: url.path, reason: error.localizedDescription)
    }
  }

  /// Creates `folder` and writes the model's files into it.
  private func write(into folder: URL) throws {
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let weights = weightsData()
    try weights.write(to: folder.appendingPathComponent(Self.weightsName))
    try configData(weightsSHA256: SHA256.hexDigest(of: weights))
      .write(to: folder.appendingPathComponent(Self.configName))
    try frameClassifier?.write(into: folder.appendingPathComponent(Self.frameClassifierName))
    for (index, member) in otherMembers.enumerated() {
      try member.write(into: folder.appendingPathComponent(Self.memberName(index + 1)))
    }
  }

  /// Reads a model folder written by `save(to:)`, checking its format version, every size it
  /// declares (before allocating anything from it), that every tensor is present with the
  /// shape its architecture needs, the weights' SHA-256 when the config records one, and that
  /// weights and feature statistics are finite (standard deviations positive), so a loaded
  /// model always predicts finite probabilities. A `frame-classifier/` folder is read too when
  /// present, and an ensemble's member folders; models without them load as before.
  public static func load(from url: URL) throws -> TrainedModel {
    try load(from: url, nested: false)
  }

  private static func load(from url: URL, nested: Bool) throws -> TrainedModel {
    let configURL = url.appendingPathComponent(configName)
    let weightsURL = url.appendingPathComponent(weightsName)
    let config = try readConfig(configURL)
    try validate(config, path: configURL.path)
    let d = config.featureDimension
    let normalization = config.featureNormalization
    let standardizer = Standardizer(
      mean: normalization.mean.map(Float.init), std: normalization.std.map(Float.init))
    let architecture = config.training.config.architecture(
      inputWidth: d, classes: config.classes.count)
    let parameters = try readWeights(
      weightsURL, layout: architecture.parameterLayout, sha256: config.weightsSHA256)
    var model = TrainedModel(
      classes: config.classes, featureDimension: d, standardizer: standardizer,
      parameters: parameters, training: config.training, provenance: config.provenance,
      selection: config.selection)
    guard !nested else { return model }
    if let count = config.ensembleMembers {
      guard (1..<ensembleLimit).contains(count) else {
        throw ModelFileError.invalidConfig(
          path: configURL.path,
          reason: "ensembleMembers \(count) outside 1...\(ensembleLimit - 1)")
      }
      let memberURLs = (1...count).map { url.appendingPathComponent(memberName($0)) }
      let members = try memberURLs.map { try load(from: $0, nested: true) }
      do {
        model = try model.ensembled(with: members)
      } catch {
        throw ModelFileError.invalidConfig(path: configURL.path, reason: error.description)
      }
    }
    model = model.withCalibration(config.calibration)
    let nestedURL = url.appendingPathComponent(frameClassifierName)
    guard FileManager.default.fileExists(atPath: nestedURL.path) else { return model }
    let frameClassifier = try load(from: nestedURL, nested: true)
    do {
      return try model.withFrameClassifier(frameClassifier)
    } catch {
      throw ModelFileError.invalidConfig(
        path: nestedURL.appendingPathComponent(configName).path, reason: error.description)
    }
  }

  /// Whether `url` is a folder holding a Vidi model's `config.json` (any format version): the
  /// only kind of folder a save may replace.
  public static func isModelFolder(_ url: URL) -> Bool {
    let data = try? Data(contentsOf: url.appendingPathComponent(configName))
    guard let data, let header = try? JSONDecoder().decode(FormatHeader.self, from: data) else {
      return false
    }
    return header.format == ModelConfigFile.formatName
  }

  /// Throws the first value of `config` that no model Vidi saves could have, before any of its
  /// sizes is used to compute or allocate anything.
  private static func validate(_ config: ModelConfigFile, path: String) throws(ModelFileError) {
    func invalid(_ reason: String) -> ModelFileError { .invalidConfig(path: path, reason: reason) }
    guard config.model == config.training.config.model,
      config.hyperparameters == config.training.config.hyperparameters
    else { throw invalid("model and training.config disagree") }
    let hp = config.hyperparameters
    let d = config.featureDimension
    let bounds: [(String, Int, ClosedRange<Int>)] = [
      ("featureDimension", d, ModelFileLimits.featureDimension),
      ("hyperparameters.hiddenSize", hp.hiddenSize, ModelFileLimits.hiddenSize),
      ("hyperparameters.layers", hp.layers, ModelFileLimits.layers),
      ("classes (count)", config.classes.count, ModelFileLimits.classes),
    ]
    for (name, value, range) in bounds where !range.contains(value) {
      throw invalid("\(name) \(value) outside \(range.lowerBound)...\(range.upperBound)")
    }
    do {
      try config.training.config.validate()
    } catch {
      throw invalid(error.description)
    }
    guard Set(config.classes).count == config.classes.count else {
      throw invalid("class names repeat")
    }
    let normalization = config.featureNormalization
    guard normalization.mean.count == d, normalization.std.count == d else {
      throw invalid("feature mean/std must have featureDimension (\(d)) values each")
    }
    if let index = normalization.mean.firstIndex(where: { !Float($0).isFinite }) {
      throw invalid("featureNormalization.mean[\(index)] is \(normalization.mean[index])")
    }
    if let index = normalization.std.firstIndex(where: { !(1 / Float($0)).isFinite || $0 <= 0 }) {
      throw invalid(
        "featureNormalization.std[\(index)] is \(normalization.std[index]); "
          + "standard deviations must be positive and finite")
    }
    if let problem = config.calibration?.problem { throw invalid(problem) }
    if let problem = config.calibration?.featureRejection?.problem(
      classes: config.classes.count, dimension: d)
    {
      throw invalid(problem)
    }
    if let provenance = config.provenance {
      let frames = FeatureProvenance.frameCountLimit
      guard frames.contains(provenance.frameCount) else {
        throw invalid(
          "provenance.frameCount \(provenance.frameCount) outside "
            + "\(frames.lowerBound)...\(frames.upperBound)")
      }
      guard ModelFileLimits.cropSize.contains(provenance.cropSize) else {
        throw invalid("provenance.cropSize \(provenance.cropSize) is not a plausible crop")
      }
    }
  }

  /// Throws unless `features` were made the way this model's training features were (same
  /// backbone, weights, normalisation, sampling, frame count and crop). `modelPath` names the
  /// model in the error. A model saved without provenance matches anything, one saved without
  /// the normalisation's numbers any normalisation (its backbone and weights fix it).
  public func checkProvenance(_ features: FeatureProvenance, modelPath: String) throws {
    guard let provenance else { return }
    var fields: [(String, String, String)] = [
      ("backbone", provenance.backbone, features.backbone),
      (
        "backbone weights SHA-256", provenance.backboneWeightsSHA256,
        features.backboneWeightsSHA256
      ),
      ("sampling", provenance.sampling, features.sampling),
      ("frame count", String(provenance.frameCount), String(features.frameCount)),
      ("crop size", String(provenance.cropSize), String(features.cropSize)),
    ]
    if let model = provenance.normalization, let given = features.normalization, model != given {
      fields.append(("normalisation", model.description, given.description))
    }
    for (field, model, given) in fields where model != given {
      throw ModelFileError.provenanceMismatch(
        path: modelPath, field: field, model: model, features: given)
    }
  }

  func configData(weightsSHA256: String? = nil) throws -> Data {
    let file = ModelConfigFile(
      format: ModelConfigFile.formatName, formatVersion: ModelConfigFile.currentVersion,
      classes: classes, model: kind, hyperparameters: hyperparameters,
      featureDimension: featureDimension,
      featureNormalization: .init(
        mean: standardizer.mean.map(Double.init), std: standardizer.std.map(Double.init)),
      provenance: provenance, training: training, selection: selection,
      weightsSHA256: weightsSHA256, calibration: calibration,
      ensembleMembers: isEnsemble ? otherMembers.count : nil)
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    return try encoder.encode(file)
  }

  func weightsData() -> Data {
    Safetensors.encode(
      parameterSpecs.map {
        NamedTensor(
          name: $0.name, shape: $0.shape,
          values: Array(parameters[$0.offset..<($0.offset + $0.count)]))
      })
  }

  private static func readConfig(_ url: URL) throws -> ModelConfigFile {
    let data = try read(url)
    let decoder = JSONDecoder()
    guard let header = try? decoder.decode(FormatHeader.self, from: data),
      header.format == ModelConfigFile.formatName
    else {
      throw ModelFileError.invalidConfig(
        path: url.path, reason: "not a Vidi model config (no format \"vidi-model\")")
    }
    guard header.formatVersion == ModelConfigFile.currentVersion else {
      throw ModelFileError.unsupportedVersion(
        path: url.path, found: header.formatVersion, supported: ModelConfigFile.currentVersion)
    }
    do {
      return try decoder.decode(ModelConfigFile.self, from: data)
    } catch {
      throw ModelFileError.invalidConfig(path: url.path, reason: describe(error))
    }
  }

  /// The flat parameters from the safetensors file at `url`: the file must hold at least the
  /// bytes `layout` needs before the array is allocated, match `sha256` when given, and hold
  /// only finite values.
  private static func readWeights(_ url: URL, layout: ParameterLayout, sha256: String?) throws
    -> [Float]
  {
    let data = try read(url)
    let (needed, overflow) = layout.count.multipliedReportingOverflow(by: 4)
    guard !overflow, needed <= data.count else {
      throw ModelFileError.corruptWeights(
        path: url.path,
        reason: "truncated: the architecture needs \(layout.count) weights, the file has "
          + "\(data.count) bytes")
    }
    let tensors: [String: NamedTensor]
    do {
      tensors = try Safetensors.decode(data)
    } catch .corrupt(let reason) {
      throw ModelFileError.corruptWeights(path: url.path, reason: reason)
    }
    var parameters = [Float](repeating: 0, count: layout.count)
    for spec in layout.specs {
      guard let tensor = tensors[spec.name] else {
        throw ModelFileError.missingTensor(path: url.path, name: spec.name)
      }
      guard tensor.shape == spec.shape else {
        throw ModelFileError.shapeMismatch(
          path: url.path, name: spec.name, found: tensor.shape, expected: spec.shape)
      }
      parameters.replaceSubrange(spec.offset..<(spec.offset + spec.count), with: tensor.values)
    }
    let expected = Set(layout.specs.map(\.name))
    if let extra = tensors.keys.sorted().first(where: { !expected.contains($0) }) {
      throw ModelFileError.unexpectedTensor(path: url.path, name: extra)
    }
    if let sha256 {
      let digest = SHA256.hexDigest(of: data)
      guard digest == sha256.lowercased() else {
        throw ModelFileError.corruptWeights(
          path: url.path,
          reason: "SHA-256 is \(digest), config.json records \(sha256); the file was changed "
            + "after the model was saved")
      }
    }
    if let spec = layout.specs.first(where: { spec in
      parameters[spec.offset..<(spec.offset + spec.count)].contains { !$0.isFinite }
    }) {
      throw ModelFileError.corruptWeights(
        path: url.path, reason: "tensor \(spec.name) holds NaN or infinite values")
    }
    return parameters
  }

  private static func read(_ url: URL) throws -> Data {
    guard FileManager.default.fileExists(atPath: url.path) else {
      throw ModelFileError.missing(path: url.path)
    }
    do {
      return try Data(contentsOf: url)
    } catch {
      throw ModelFileError.unreadable(path: url.path, reason: error.localizedDescription)
    }
  }
}

/// Moves `temporary` to `url`. An existing item at `url` is first renamed aside and only
/// deleted once the new one is in place (restored if that fails): directories cannot be
/// replaced by one atomic rename.
private func replace(_ url: URL, with temporary: URL) throws {
  let fileManager = FileManager.default
  guard fileManager.fileExists(atPath: url.path) else {
    try fileManager.moveItem(at: temporary, to: url)
    return
  }
  let aside = url.deletingLastPathComponent().appendingPathComponent(
    ".\(url.lastPathComponent).old-\(UUID())")
  try fileManager.moveItem(at: url, to: aside)
  do {
    try fileManager.moveItem(at: temporary, to: url)
  } catch {
    try? fileManager.moveItem(at: aside, to: url)
    throw error
  }
  try? fileManager.removeItem(at: aside)
}

/// Removes what a save of `url` that was killed left beside it: unfinished `.tmp-` folders, and
/// `.old-` folders of a replaced model once a model is in place again (when none is, the
/// newest `.old-` one is put back first, so the old model is never lost). Only leftovers an
/// hour old are touched, so a save running at the same time keeps its files.
private func removeStaleTemporaries(of url: URL) {
  let fileManager = FileManager.default
  let parent = url.deletingLastPathComponent()
  let names = (try? fileManager.contentsOfDirectory(atPath: parent.path)) ?? []
  let cutoff = Date().addingTimeInterval(-3600)
  func leftovers(_ marker: String) -> [(url: URL, modified: Date)] {
    names.filter { $0.hasPrefix(".\(url.lastPathComponent)\(marker)") }.compactMap { name in
      let leftover = parent.appendingPathComponent(name)
      let attributes = try? fileManager.attributesOfItem(atPath: leftover.path)
      guard let modified = attributes?[.modificationDate] as? Date, modified < cutoff else {
        return nil
      }
      return (leftover, modified)
    }
  }
  for leftover in leftovers(".tmp-") { try? fileManager.removeItem(at: leftover.url) }
  var replaced = leftovers(".old-").sorted { $0.modified > $1.modified }
  if !fileManager.fileExists(atPath: url.path), let newest = replaced.first,
    TrainedModel.isModelFolder(newest.url)
  {
    guard (try? fileManager.moveItem(at: newest.url, to: url)) != nil else { return }
    replaced.removeFirst()
  }
  for leftover in replaced { try? fileManager.removeItem(at: leftover.url) }
}

/// A decoding error as one line: the coding path and what was wrong there.
private func describe(_ error: Error) -> String {
  guard let error = error as? DecodingError else { return error.localizedDescription }
  func path(_ context: DecodingError.Context) -> String {
    context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }
      .joined(separator: ".")
  }
  switch error {
  case .keyNotFound(let key, let context):
    let prefix = path(context)
    return "missing key \(prefix.isEmpty ? "" : prefix + ".")\(key.stringValue)"
  case .typeMismatch(_, let context), .valueNotFound(_, let context),
    .dataCorrupted(let context):
    return "\(path(context)): \(context.debugDescription)"
  @unknown default:
    return error.localizedDescription
  }
}
