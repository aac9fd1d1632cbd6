import Foundation
import Pipeline

/// What `POST /v1/predict` answers: the JSON of `vidi predict --json` (video, predictions,
/// timeline) with the model's name, the time each stage took and, when asked for, the sampled
/// frames as PNG data URLs.
struct ServedPrediction: Encodable, Sendable {
  var prediction: Prediction
  var model: String
  var timing: Timing
  var frames: [FrameThumbnail]?
  /// With `segments=1`: the segments and windows of the video.
  var segments: VideoSegments?

  struct Timing: Encodable, Sendable {
    /// Receiving and storing the upload.
    var uploadMs: Double
    /// Waiting for a worker.
    var queueMs: Double
    /// Decoding, encoding frames and classifying (and thumbnails, when asked for).
    var predictMs: Double
    var totalMs: Double

    enum CodingKeys: String, CodingKey {
      case uploadMs = "upload_ms"
      case queueMs = "queue_ms"
      case predictMs = "predict_ms"
      case totalMs = "total_ms"
    }
  }

  enum CodingKeys: String, CodingKey {
    case model, timing, frames, segments
  }

  func encode(to encoder: any Encoder) throws {
    try prediction.encode(to: encoder)
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(model, forKey: .model)
    try container.encode(timing, forKey: .timing)
    try container.encodeIfPresent(frames, forKey: .frames)
    try container.encodeIfPresent(segments, forKey: .segments)
  }
}

/// One sampled frame as the backbone sees it (the centre square), small.
struct FrameThumbnail: Encodable, Sendable {
  /// Index of the frame in the video.
  var frame: Int
  /// Seconds from the start.
  var time: Double
  /// `data:image/png;base64,...`
  var png: String
}

/// What `GET /v1/model` answers.
struct ModelDescription: Encodable, Sendable {
  var name: String
  var type: String
  var classes: [String]
  var backbone: String
  var sampling: Sampling
  var hasTimeline: Bool
  var training: Training
  var server: Server

  struct Sampling: Encodable, Sendable {
    var mode: String
    var frames: Int
    var cropSize: Int

    enum CodingKeys: String, CodingKey {
      case mode, frames
      case cropSize = "crop_size"
    }
  }

  struct Training: Encodable, Sendable {
    var trainingClips: Int
    var validationClips: Int
    var validation: String
    var epochs: Int
    var bestEpoch: Int
    var validationAccuracy: Double?
    var validationLoss: Double?
    var selectionReason: String?

    enum CodingKeys: String, CodingKey {
      case validation, epochs
      case trainingClips = "training_clips"
      case validationClips = "validation_clips"
      case bestEpoch = "best_epoch"
      case validationAccuracy = "validation_accuracy"
      case validationLoss = "validation_loss"
      case selectionReason = "selection_reason"
    }
  }

  struct Server: Encodable, Sendable {
    var workers: Int
    var queue: Int
    var maxUploadBytes: Int

    enum CodingKeys: String, CodingKey {
      case workers, queue
      case maxUploadBytes = "max_upload_bytes"
    }
  }

  enum CodingKeys: String, CodingKey {
    case name, type, classes, backbone, sampling, training, server
    case hasTimeline = "has_timeline"
  }

  init(name: String, predictor: VideoPredictor, configuration: ServerConfiguration) {
    let model = predictor.model
    let summary = model.training
    let kept = summary.keptRecord
    self.name = name
    type = model.kind.rawValue
    classes = model.classes
    backbone = predictor.options.backbone.rawValue
    sampling = Sampling(
      mode: predictor.options.sampling.rawValue, frames: predictor.options.frames,
      cropSize: predictor.options.cropSize)
    hasTimeline = model.hasTimeline
    training = Training(
      trainingClips: summary.data.trainingClips, validationClips: summary.data.validationClips,
      validation: summary.data.validation, epochs: summary.history.count,
      bestEpoch: summary.bestEpoch, validationAccuracy: kept?.validationAccuracy,
      validationLoss: kept?.validationLoss, selectionReason: model.selection?.reason)
    server = Server(
      workers: configuration.workers, queue: configuration.queueLimit,
      maxUploadBytes: configuration.maxUploadBytes)
  }
}

/// The body of every error response: `{"error": MESSAGE, "status": CODE}`.
struct ErrorBody: Encodable, Sendable {
  var error: String
  var status: Int
}
