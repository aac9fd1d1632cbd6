import ArgumentParser
import Foundation
import Pipeline

/// `vidi predict`: the most probable classes of each video.
struct Predict: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Classify videos with a trained model.",
    discussion: """
      Prints each video's classes ranked by probability, like `Punch: 56.50%`. --timeline adds \
      the per-frame probabilities of those classes from the model's per-frame classifier, so \
      you see which moments drove the decision. A video that cannot be read is reported and \
      the others go on (the exit status is then non-zero).

      Examples:
        vidi predict ucf101.vidi clip.avi
        vidi predict ucf101.vidi a.mp4 b.mp4 --top-k 3 --json --timeline
      """)

  @Argument(help: "The model folder written by `vidi train`.")
  var model: String

  @Argument(help: "Video files.")
  var videos: [String]

  @Option(help: "How many classes to list per video.")
  var topK = 5

  @Flag(help: "Add per-frame probabilities from the per-frame classifier.")
  var timeline = false

  @Option(help: "Test-time augmentation: flip (average with the mirrored frames).")
  var tta: Extract.Augmentation?

  @Option(help: "Feature cache folder (default: $VIDI_HOME/features, ~/.cache/vidi/features).")
  var cache: String?

  @Option(help: "Backbone (must be the model's own).")
  var backbone: BackboneID?

  @Option(help: "Frames sampled per video (must be the model's own).")
  var frames: Int?

  @Option(help: "Frame sampling (must be the model's own).")
  var sampling: SamplingMode?

  @Option(help: "Cores to use (default: all).")
  var threads: Int?

  @Flag(help: "Print the predictions as JSON (an array when several videos are given).")
  var json = false

  func validate() throws {
    guard !videos.isEmpty else { throw ValidationError("Give at least one video.") }
    guard topK >= 1 else { throw ValidationError("--top-k must be at least 1.") }
    if let threads, threads < 1 { throw ValidationError("--threads must be at least 1.") }
  }

  func run() throws {
    let predictor: VideoPredictor
    do {
      predictor = try VideoPredictor(
        model: TrainedModel.load(from: URL(fileURLWithPath: model)), modelPath: model,
        request: FeatureRequest(
          backbone: backbone?.rawValue, frameCount: frames, sampling: sampling?.rawValue),
        cache: FeatureCache(directory: Console.cacheFolder(cache)), threads: threads)
    } catch {
      Console.failure("\(error)")
      throw ExitCode.failure
    }
    if timeline && !predictor.model.hasTimeline {
      Console.failure("warning: \(model): the model has no per-frame classifier; no timeline")
    }
    var predictions: [Prediction] = []
    var failed = false
    for video in videos {
      do {
        let prediction = try predictor.predict(
          videoAt: URL(fileURLWithPath: video), name: video, flip: tta == .flip, topK: topK,
          timeline: timeline)
        predictions.append(prediction)
        if !json { print(prediction.text) }
        if let warning = prediction.warning { Console.failure("warning: \(warning)") }
      } catch {
        Console.failure("\(error)")
        failed = true
      }
    }
    if json, !predictions.isEmpty {
      let data = try Prediction.jsonData(predictions, array: videos.count > 1)
      print(String(decoding: data, as: UTF8.self))
    }
    if failed { throw ExitCode.failure }
  }
}
