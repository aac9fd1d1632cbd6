import Foundation
import NumericCore

/// The size and regularisation of a model.
public struct ModelHyperparameters: Sendable, Codable, Equatable {
  /// Units per recurrent layer (`gru`, `lstm`), or the width of the hidden layers of the
  /// per-frame (`frame-average`) or pooled (`mean-pool`) classifier.
  public var hiddenSize: Int
  /// Recurrent layers (`gru`, `lstm`, at least 1), or hidden layers of the baselines' classifier
  /// (0 makes it linear: logistic regression on frames or on the mean frame).
  public var layers: Int
  /// Dropout between recurrent layers and before the output layer (baselines: after each
  /// hidden layer).
  public var dropout: Double
  /// Dropout on the input frame features.
  public var inputDropout: Double
  /// Run each recurrent layer in both directions and concatenate.
  public var bidirectional: Bool
  /// Inverse L2 strength of the classifiers fitted by L-BFGS (`linear`, and `frame-average`
  /// without hidden layers or input dropout), as scikit-learn's `C`: the objective is the
  /// summed cross-entropy plus `‖W‖² / (2C)`. Nil (older models) means 1.
  public var penaltyC: Double?

  public init(
    hiddenSize: Int, layers: Int, dropout: Double, inputDropout: Double = 0,
    bidirectional: Bool = false, penaltyC: Double? = nil
  ) {
    self.hiddenSize = hiddenSize
    self.layers = layers
    self.dropout = dropout
    self.inputDropout = inputDropout
    self.bidirectional = bidirectional
    self.penaltyC = penaltyC
  }

  /// `seed-gru`'s fixed shape: GRU(16) → GRU(8) → Dropout(0.4) → Dense(8, ReLU).
  public static let seed = ModelHyperparameters(hiddenSize: 16, layers: 2, dropout: 0.4)

  /// The defaults for each model, chosen on synthetic stand-ins for real features (see
  /// `bench/training/README.md`): input dropout regularises every model on 1280-d features.
  public static func defaults(for kind: ModelKind) -> ModelHyperparameters {
    switch kind {
    case .seedGRU: .seed
    case .gru, .lstm:
      ModelHyperparameters(hiddenSize: 128, layers: 1, dropout: 0.3, inputDropout: 0.3)
    case .frameAverage:
      ModelHyperparameters(hiddenSize: 256, layers: 0, dropout: 0.5, penaltyC: 1)
    case .meanPool:
      ModelHyperparameters(hiddenSize: 256, layers: 0, dropout: 0.5, inputDropout: 0.5)
    case .linear: ModelHyperparameters(hiddenSize: 0, layers: 0, dropout: 0, penaltyC: 1)
    }
  }
}

/// How much each class's clips weigh in the training loss.
public enum ClassWeighting: String, Sendable, Codable, Equatable {
  /// Every clip weighs 1.
  case uniform
  /// Clips of class `c` weigh `n / (classes · n_c)`, so every class weighs the same in total.
  case balanced
}

/// Everything that steers a training run.
public struct TrainingConfig: Sendable, Codable, Equatable {
  public var model: ModelKind
  public var hyperparameters: ModelHyperparameters
  /// The most epochs to run; early stopping may end sooner.
  public var epochs: Int
  public var batchSize: Int
  public var learningRate: Double
  /// Decoupled (AdamW-style) weight decay on kernels.
  public var weightDecay: Double
  /// Largest global L2 norm of the gradients; nil for no clipping.
  public var clipNorm: Double?
  public var labelSmoothing: Double
  public var classWeighting: ClassWeighting
  /// Stop after this many epochs without a lower validation loss; nil to run every epoch.
  public var patience: Int?
  /// How much lower the validation loss must be to count as an improvement for early stopping
  /// (and for keeping that epoch's weights), so that ever-smaller gains do not keep a run
  /// going. Nil (older models) means 0.
  public var minimumImprovement: Double?
  /// Seeds initial weights, shuffling, dropout and the validation split.
  public var seed: UInt64
  /// Worker threads; each takes a slice of every batch. Results are reproducible for a given
  /// seed and thread count.
  public var threads: Int

  /// The defaults for `model`: Keras' Adam and batch size; clipping for the recurrent models.
  public init(model: ModelKind, seed: UInt64 = 0) {
    self.model = model
    hyperparameters = .defaults(for: model)
    batchSize = 32
    learningRate = 1e-3
    weightDecay = 0
    labelSmoothing = 0
    classWeighting = .uniform
    self.seed = seed
    threads = min(ProcessInfo.processInfo.activeProcessorCount, 8)
    epochs = 300
    patience = 20
    minimumImprovement = 1e-3
    clipNorm = model == .gru || model == .lstm ? 1 : nil
  }

  /// Whether the model is a linear classifier fitted by L-BFGS rather than by Adam over epochs:
  /// `linear`, and `frame-average` without hidden layers or input dropout.
  public var usesSolver: Bool {
    let hp = hyperparameters
    return model == .linear || (model == .frameAverage && hp.layers == 0 && hp.inputDropout == 0)
  }

  /// The network this config trains for `inputWidth`-d features and `classes` classes.
  public func architecture(inputWidth: Int, classes: Int) -> Architecture {
    let hp = hyperparameters
    var layers: [LayerSpec] = []
    func dropout(_ rate: Double) {
      if rate > 0 { layers.append(.dropout(rate: Float(rate))) }
    }
    func recurrent(_ hidden: Int, sequences: Bool) -> LayerSpec {
      model == .lstm
        ? .lstm(hidden: hidden, returnSequences: sequences, bidirectional: hp.bidirectional)
        : .gru(hidden: hidden, returnSequences: sequences, bidirectional: hp.bidirectional)
    }
    switch model {
    case .seedGRU:
      layers = [
        .gru(hidden: 16, returnSequences: true, bidirectional: false),
        .gru(hidden: 8, returnSequences: false, bidirectional: false),
        .dropout(rate: 0.4),
        .dense(outputs: 8, relu: true),
      ]
    case .gru, .lstm:
      dropout(hp.inputDropout)
      for index in 0..<hp.layers {
        let last = index == hp.layers - 1
        layers.append(recurrent(hp.hiddenSize, sequences: !last))
        dropout(hp.dropout)
      }
    case .linear:
      layers.append(.meanPool)
    case .frameAverage, .meanPool:
      if model == .meanPool { layers.append(.meanPool) }
      dropout(hp.inputDropout)
      for _ in 0..<hp.layers {
        layers.append(.dense(outputs: hp.hiddenSize, relu: true))
        dropout(hp.dropout)
      }
    }
    layers.append(.dense(outputs: classes, relu: false))
    return Architecture(
      inputWidth: inputWidth, layers: layers, head: model == .frameAverage ? .frames : .clip)
  }

  /// Throws the first setting that cannot work.
  func validate() throws(SequenceModelError) {
    let hp = hyperparameters
    if model == .seedGRU && hp != .seed {
      throw .invalidConfig("seed-gru has a fixed architecture; its hyperparameters cannot change")
    }
    if model == .gru || model == .lstm {
      guard hp.layers >= 1, hp.hiddenSize >= 1 else {
        throw .invalidConfig("\(model.rawValue) needs at least one layer of at least one unit")
      }
    }
    if hp.layers > 0 && hp.hiddenSize < 1 {
      throw .invalidConfig("hidden layers need a positive hidden size")
    }
    guard hp.layers >= 0 else { throw .invalidConfig("layers must not be negative") }
    if let c = hp.penaltyC, !(c > 0 && c.isFinite) {
      throw .invalidConfig("the penalty's C must be positive, is \(c)")
    }
    for (name, rate) in [("dropout", hp.dropout), ("input dropout", hp.inputDropout)] {
      guard (0..<1).contains(rate) else { throw .invalidConfig("\(name) \(rate) outside [0, 1)") }
    }
    guard epochs >= 1 else { throw .invalidConfig("epochs must be at least 1") }
    guard batchSize >= 1 else { throw .invalidConfig("batch size must be at least 1") }
    guard learningRate > 0 else { throw .invalidConfig("learning rate must be positive") }
    guard weightDecay >= 0 else { throw .invalidConfig("weight decay must not be negative") }
    guard (0..<1).contains(labelSmoothing) else {
      throw .invalidConfig("label smoothing \(labelSmoothing) outside [0, 1)")
    }
    if let clipNorm, clipNorm <= 0 { throw .invalidConfig("clip norm must be positive") }
    if let patience, patience < 1 { throw .invalidConfig("patience must be at least 1") }
    if let minimumImprovement, !(minimumImprovement >= 0) {
      throw .invalidConfig("the minimum improvement must not be negative")
    }
    guard threads >= 1 else { throw .invalidConfig("threads must be at least 1") }
  }
}

/// Where the features came from, so that a model is only applied to features made the same way.
/// The pipeline fills it in from its typed feature options; `checkProvenance` compares it.
public struct FeatureProvenance: Sendable, Codable, Equatable {
  /// The frame encoder's id, e.g. "efficientnet-lite0".
  public var backbone: String
  /// SHA-256 of the encoder's weights, hex.
  public var backboneWeightsSHA256: String
  /// How frames were prepared for the encoder (resize, crop, normalisation), for people: the
  /// check compares `normalization` and `cropSize` instead, so rewording it changes nothing.
  public var preprocessing: String
  /// The per-channel normalisation of the encoder's input; nil in models written before it was
  /// recorded as numbers, whose backbone and weights fix it.
  public var normalization: PixelNormalization?
  /// How frames were chosen from a video, e.g. "uniform".
  public var sampling: String
  /// Frames per clip (the sequence length).
  public var frameCount: Int
  /// Side of the square crop fed to the encoder, in pixels.
  public var cropSize: Int
  /// The encoder's number format; nil (models written before it was recorded) means f32.
  /// Informational: features of either precision are within cosine 0.999 of each other, so
  /// `checkProvenance` accepts features of any precision.
  public var precision: Precision?
  /// The views of each training clip encoded besides the frames as decoded (the pipeline's
  /// `FeatureView` raw values, e.g. "flip", "start-crop"); nil for none. Informational.
  public var trainingViews: [String]?
  /// The views of a clip whose probabilities the model averages at prediction, as
  /// `trainingViews` spells them; nil (every model written before views were recorded) means
  /// the frames as decoded only. Not part of the check: each view's features carry the
  /// provenance above.
  public var testViews: [String]?

  /// The frame counts Vidi samples per clip: every frame of 17 s at 30 fps at most, since each
  /// frame in flight costs 0.6 MB at 224×224 and a model file must not be able to ask for a
  /// buffer that exhausts memory.
  public static let frameCountLimit = 1...512

  public init(
    backbone: String, backboneWeightsSHA256: String, preprocessing: String,
    normalization: PixelNormalization? = nil, sampling: String, frameCount: Int, cropSize: Int,
    precision: Precision? = nil, trainingViews: [String]? = nil, testViews: [String]? = nil
  ) {
    self.backbone = backbone
    self.backboneWeightsSHA256 = backboneWeightsSHA256
    self.trainingViews = trainingViews
    self.testViews = testViews
    self.preprocessing = preprocessing
    self.normalization = normalization
    self.sampling = sampling
    self.frameCount = frameCount
    self.cropSize = cropSize
    self.precision = precision
  }
}

/// `(x - mean[c]) / std[c]` on RGB values in 0...255, channels R, G, B.
public struct PixelNormalization: Sendable, Codable, Equatable, CustomStringConvertible {
  public var mean: [Double]
  public var std: [Double]

  public init(mean: [Double], std: [Double]) {
    self.mean = mean
    self.std = std
  }

  public var description: String { "mean \(mean), std \(std)" }
}

/// One epoch of training.
public struct EpochRecord: Sendable, Codable, Equatable {
  /// 1-based.
  public var epoch: Int
  /// Mean training loss over the epoch's batches (with dropout, class weights and smoothing).
  public var loss: Double
  /// Training accuracy over the epoch's batches, as they were trained.
  public var accuracy: Double
  /// Mean cross-entropy of the validation clips' predicted probabilities (no weights, no
  /// smoothing, so comparable across models); nil without validation.
  public var validationLoss: Double?
  public var validationAccuracy: Double?
  public var seconds: Double

  public init(
    epoch: Int, loss: Double, accuracy: Double, validationLoss: Double? = nil,
    validationAccuracy: Double? = nil, seconds: Double
  ) {
    self.epoch = epoch
    self.loss = loss
    self.accuracy = accuracy
    self.validationLoss = validationLoss
    self.validationAccuracy = validationAccuracy
    self.seconds = seconds
  }
}

/// What a model was trained on.
public struct DataSummary: Sendable, Codable, Equatable {
  public var trainingClips: Int
  public var validationClips: Int
  public var trainingClipsPerClass: [Int]
  public var validationClipsPerClass: [Int]
  /// The most frames of any training clip.
  public var framesPerClip: Int
  /// How the validation clips were chosen.
  public var validation: String
}

/// How a model was trained: its config, epochs, chosen epoch and data.
public struct TrainingSummary: Sendable, Codable, Equatable {
  public var config: TrainingConfig
  public var history: [EpochRecord]
  /// The epoch whose weights the model holds (best validation loss, or the last epoch).
  public var bestEpoch: Int
  public var data: DataSummary
  /// L-BFGS iterations of a solver-fitted model (its history is one record); nil otherwise.
  public var solverIterations: Int?

  /// The history's record of `bestEpoch`: the scores of the weights the model holds.
  public var keptRecord: EpochRecord? { history.first { $0.epoch == bestEpoch } }
}
