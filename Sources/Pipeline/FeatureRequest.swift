import Backbones
import NumericCore
import SequenceModels

/// The feature options a user gave for a run with a trained model (`--backbone`, `--frames`,
/// `--sampling`); nil where they gave none, so the model's own settings apply. The precision
/// (`--precision`, resolved) is not the model's to decide: any precision's features suit it.
public struct FeatureRequest: Sendable, Hashable {
  public var backbone: BackboneID?
  public var frames: Int?
  public var sampling: SamplingMode?
  public var precision: Precision

  public init(
    backbone: BackboneID? = nil, frames: Int? = nil, sampling: SamplingMode? = nil,
    precision: Precision = .f32
  ) {
    self.backbone = backbone
    self.frames = frames
    self.sampling = sampling
    self.precision = precision
  }

  /// Throws when an option differs from `trained`, the options a model was trained with:
  /// features made another way would be meaningless to it.
  func check(against trained: FeatureOptions, modelPath: String) throws(WorkflowError) {
    let options: [(String, String?, String)] = [
      ("--backbone", backbone?.rawValue, trained.backbone.rawValue),
      ("--frames", frames.map(String.init), String(trained.frames)),
      ("--sampling", sampling?.rawValue, trained.sampling.rawValue),
    ]
    for case (let option, let requested?, let model) in options where requested != model {
      throw .conflictingOption(
        modelPath: modelPath, option: option, model: model, requested: requested)
    }
  }
}

extension FeatureOptions {
  /// The options that make features for `model`: the ones it was trained with, its test-time
  /// views among them (read from its provenance once, and checked against it once), after checking that `request` (the user's
  /// options) does not contradict them. A model without provenance takes the request, with
  /// the defaults where it is silent.
  public init(model: TrainedModel, modelPath: String, request: FeatureRequest) throws {
    let defaults = FeatureOptions()
    guard let provenance = model.provenance else {
      self.init(
        backbone: request.backbone ?? defaults.backbone, frames: request.frames ?? defaults.frames,
        sampling: request.sampling ?? defaults.sampling, precision: request.precision)
      return
    }
    func parsed<Setting: RawRepresentable>(_ name: String, _ value: String) throws -> Setting
    where Setting.RawValue == String {
      guard let setting = Setting(rawValue: value) else {
        throw WorkflowError.unknownSetting(modelPath: modelPath, setting: name, value: value)
      }
      return setting
    }
    // The precision is the request's whatever the model was trained with: features of every
    // precision agree to cosine 0.999 (see `FeatureProvenance.precision`).
    func views(_ name: String, _ values: [String]?) throws -> [FeatureView] {
      try (values ?? [FeatureView.original.rawValue]).map { try parsed(name, $0) }
    }
    self.init(
      backbone: try parsed("backbone", provenance.backbone), frames: provenance.frameCount,
      sampling: try parsed("sampling", provenance.sampling), precision: request.precision,
      trainingViews: try views("training view", provenance.trainingViews),
      testViews: try views("test view", provenance.testViews))
    try request.check(against: self, modelPath: modelPath)
    try model.checkProvenance(self.provenance, modelPath: modelPath)
  }
}
