import Foundation
import NumericCore

/// A trained classifier with everything needed to apply it: classes, architecture, feature
/// standardisation, weights, how it was trained and where its features came from.
public struct TrainedModel: Sendable, Equatable {
  /// Class names in output order.
  public let classes: [String]
  public let featureDimension: Int
  let standardizer: Standardizer
  /// The flat parameter array, tensors laid out as `parameterSpecs` says.
  let parameters: [Float]
  public let training: TrainingSummary
  public let provenance: FeatureProvenance?
  /// How this model was chosen among candidates, when it was (`vidi train --model auto`).
  public internal(set) var selection: ModelSelection?
  /// The training clips' length and the rejection threshold, when they were recorded.
  public internal(set) var calibration: ModelCalibration?
  /// The per-frame classifier kept for timelines: empty or one model. An array because a
  /// struct cannot hold an optional of itself.
  var nestedFrameClassifier: [TrainedModel]
  /// The other members of an ensemble, whose probabilities `predict` averages with this
  /// model's own; empty for a single model.
  var otherMembers: [TrainedModel] = []

  init(
    classes: [String], featureDimension: Int, standardizer: Standardizer, parameters: [Float],
    training: TrainingSummary, provenance: FeatureProvenance?, selection: ModelSelection? = nil,
    frameClassifier: TrainedModel? = nil
  ) {
    self.classes = classes
    self.featureDimension = featureDimension
    self.standardizer = standardizer
    self.parameters = parameters
    self.training = training
    self.provenance = provenance
    self.selection = selection
    nestedFrameClassifier = frameClassifier.map { [$0] } ?? []
  }

  public var kind: ModelKind { training.config.model }
  public var hyperparameters: ModelHyperparameters { training.config.hyperparameters }
  /// The training set's per-dimension feature mean, subtracted before the network.
  public var featureMean: [Float] { standardizer.mean }
  /// The training set's per-dimension feature standard deviation, divided by after the mean.
  public var featureStd: [Float] { standardizer.std }

  var architecture: Architecture {
    training.config.architecture(inputWidth: featureDimension, classes: classes.count)
  }

  /// The named weight tensors, in order.
  public var parameterSpecs: [ParameterSpec] { architecture.parameterLayout.specs }

  /// The values of the weight tensor `name` (one of `parameterSpecs`), row-major; nil for an
  /// unknown name.
  public func parameter(named name: String) -> [Float]? {
    parameterSpecs.first { $0.name == name }.map {
      Array(parameters[$0.offset..<($0.offset + $0.count)])
    }
  }

  /// Whether the model classifies frames and averages them (`frameProbabilities` is non-nil);
  /// never for an ensemble, whose clip prediction is not its frames' mean.
  public var hasFrameProbabilities: Bool { architecture.head == .frames && !isEnsemble }

  /// Class probabilities for one clip: `features` is `frames × featureDimension` row-major,
  /// of which the first `length` frames are real.
  public func predict(features: [Float], length: Int) throws -> [Float] {
    try predict([SequenceClip(features: features, length: length, label: 0)])[0]
  }

  /// Class probabilities for many clips at once (their labels are ignored), spread over
  /// `threads` threads; an ensemble's are the mean of its members'.
  public func predict(_ clips: [SequenceClip], threads: Int = 1) throws -> [[Float]] {
    guard !isEnsemble else {
      return Self.averaged(try ensembleMembers.map { try $0.predict(clips, threads: threads) })
    }
    try check(clips)
    let workers = (0..<max(threads, 1)).map { _ in
      Worker(architecture: architecture, classes: classes.count)
    }
    let run = {
      Trainer.predict(
        clips, parameters: parameters, workers: workers, standardizer: standardizer,
        batchSize: 64)
    }
    return threads > 1 ? BLAS.withThreadCount(1, run) : run()
  }

  /// Each valid frame's class probabilities, for a prediction timeline; the clip's prediction
  /// is their mean. Nil for models that do not classify single frames.
  public func frameProbabilities(features: [Float], length: Int) throws -> [[Float]]? {
    guard hasFrameProbabilities else { return nil }
    let clip = SequenceClip(features: features, length: length, label: 0)
    try check([clip])
    let worker = Worker(architecture: architecture, classes: classes.count)
    worker.load([clip], standardizer: standardizer)
    parameters.withUnsafeBufferPointer {
      worker.forward(parameters: $0.baseAddress!, training: false, dropoutSeed: 0)
    }
    return worker.frameProbabilities(clip: 0)
  }

  private func check(_ clips: [SequenceClip]) throws(SequenceModelError) {
    for (index, clip) in clips.enumerated() {
      let frames = clip.features.count / featureDimension
      guard clip.features.count % featureDimension == 0, frames > 0 else {
        throw .invalidData(
          "clip \(index): \(clip.features.count) floats is not whole frames of "
            + "\(featureDimension) (the model's feature dimension)")
      }
      guard (1...frames).contains(clip.length) else {
        throw .invalidData("clip \(index): length \(clip.length) outside 1...\(frames)")
      }
    }
  }
}
