import Backbones
import NumericCore
import SequenceModels

/// The feature options a user gave for a run with a trained model (`--backbone`, `--frames`,
/// `--sampling`); nil where they gave none, so the model's own settings apply. The precision
/// (`--precision`, resolved) is not the model's to decide: any precision's features suit it.
public struct FeatureRequest: Sendable, Hashable {
  public var backbone: String?
  public var frameCount: Int?
  public var sampling: String?
  public var precision: Precision

  public init(
    backbone: String? = nil, frameCount: Int? = nil, sampling: String? = nil,
    precision: Precision = .f32
  ) {
    self.backbone = backbone
    self.frameCount = frameCount
    self.sampling = sampling
    self.precision = precision
  }

  /// Throws when an option differs from what `model` was trained with: features made another
  /// way would be meaningless to it. A model without provenance accepts anything.
  public func check(against model: TrainedModel, modelPath: String) throws(WorkflowError) {
    guard let provenance = model.provenance else { return }
    let options: [(String, String?, String)] = [
      ("--backbone", backbone, provenance.backbone),
      ("--frames", frameCount.map(String.init), String(provenance.frameCount)),
      ("--sampling", sampling, provenance.sampling),
    ]
    for case (let option, let requested?, let trained) in options where requested != trained {
      throw .conflictingOption(
        modelPath: modelPath, option: option, model: trained, requested: requested)
    }
  }
}
