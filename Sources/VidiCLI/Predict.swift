import ArgumentParser
import Backbones
import Foundation
import Pipeline
import SequenceModels

/// `vidi predict`: the most probable classes of each video.
struct Predict: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Classify videos with a trained model.",
    discussion: """
      Prints each video's classes ranked by probability, like `Punch: 56.50%`. --timeline adds \
      the per-frame probabilities of those classes from the model's per-frame classifier, with \
      each frame's time in the clip, so you see which moments drove the decision.

      VIDEO may be a video file, a folder (every video under it; other files and junk are \
      skipped), a glob pattern in quotes ('clips/*.mp4'), or a list of videos: a CSV manifest \
      with a path column (video_name, path, ...) or a text file with one path per line, \
      relative to the list's folder (UCF101's testlist01.txt). --output writes one row per \
      video to a CSV or JSON Lines file (video, label, probability, top_k, error). A video \
      that cannot be read gets its error in --output and --json, and a line on standard \
      error; the others go on, and the exit status is then non-zero.

      Examples:
        vidi predict ucf101.vidi clip.avi
        vidi predict ucf101.vidi a.mp4 b.mp4 --top-k 3 --json --timeline
        vidi predict ucf101.vidi clips/ --output predictions.csv
        vidi predict ucf101.vidi 'clips/*.avi' testlist01.txt --output predictions.jsonl
        vidi predict ucf101.vidi recording.mp4 --segments --stride 1 --json
        vidi predict ucf101.vidi recording.mp4 --segments --report segments.html

      --reject (default auto) answers `unknown` when the clip's score is below the \
      threshold calibrated at training time (95% of held-out known clips stay above it): \
      the cosine similarity of its mean feature to the nearest class mean, or the top \
      probability for models trained before that was recorded; --reject P thresholds the \
      top probability at P; --reject none gives the plain ranking. --segments slides a window of the model's clip \
      length (recorded at training) over the video, decoding it once and encoding each \
      sampled frame once, and smooths the windows' labels over time (Viterbi with a \
      switching penalty by default); stretches where nothing known happens are `background` \
      (below the threshold calibrated for windows by leaving training classes out, when the \
      model has one).       --report writes one self-contained HTML file showing each video's segments on a time       axis over a strip of its frames, the windows' confidence and the table of segments.
      """)

  @Argument(help: "The model folder written by `vidi train`.")
  var model: String

  @Argument(help: "Video files, folders, quoted glob patterns or lists of videos (.csv, .txt).")
  var videos: [String]

  @Option(parsing: .unconditional, help: "How many classes to list per video.")
  var topK = 5

  @Flag(help: "Add per-frame probabilities from the per-frame classifier.")
  var timeline = false

  @Option(help: "Write one row per video to this .csv or .jsonl (JSON Lines) file.")
  var output: String?

  @OptionGroup var featureArguments: ModelFeatureArguments

  @OptionGroup var extraction: ExtractionArguments

  @Flag(
    help: """
      Segment a long video: classify windows of the model's clip length, smooth them over \
      time, print `start–end  label  confidence` per segment.
      """)
  var segments = false

  @Option(help: "Window length in seconds with --segments (default: the model's clip length).")
  var window: Double?

  @Option(
    help: "Seconds between window starts with --segments (default: a quarter window, at most 0.5).")
  var stride: Double?

  @Option(
    help: "Smoothing of windows into segments: viterbi[:PENALTY], median[:WINDOWS] or none.")
  var smoothing: Smoothing = .default

  @Option(
    help: "With --segments: write an HTML report of the segments on a time axis to this file.")
  var report: String?

  @Flag(help: "Replace the Vidi report already at --report (nothing else is ever replaced).")
  var force = false

  @Option(
    help: """
      "None of these": auto (the rule calibrated at training), a top probability, or none. \
      Below it a clip is `unknown`, a segment `background`.
      """)
  var reject: RejectOption = .auto

  @Flag(
    help:
      "Print the predictions as JSON (an array when several videos are given; failed videos carry an error)."
  )
  var json = false

  func validate() throws {
    guard !videos.isEmpty else { throw ValidationError("Give at least one video.") }
    guard topK >= 1 else { throw ValidationError("--top-k must be at least 1.") }
    if let output {
      do {
        _ = try PredictionFile.Format(path: output)
      } catch {
        throw ValidationError("--output \(error)")
      }
    }
    if let window, !(window > 0 && window <= 3600) {
      throw ValidationError("--window must be above 0 and at most 3600 seconds.")
    }
    if let stride, !(stride > 0 && stride <= 3600) {
      throw ValidationError("--stride must be above 0 and at most 3600 seconds.")
    }
    if !segments && (window != nil || stride != nil) {
      throw ValidationError("--window and --stride apply to --segments.")
    }
    if !segments && (report != nil || force) {
      throw ValidationError("--report and --force apply to --segments.")
    }
    if segments && (output != nil || timeline || featureArguments.tta != nil) {
      throw ValidationError("--segments does not combine with --output, --timeline or --tta.")
    }
  }

  func run() throws {
    if let mixUp = ArgumentCheck.modelMixUp(model: model, usage: "vidi predict MODEL VIDEO...") {
      Console.failure(mixUp)
      throw ExitCode.failure
    }
    let predictor: VideoPredictor
    let file: PredictionFile?
    let precision = try extraction.precision()
    do {
      predictor = try VideoPredictor(
        model: TrainedModel.load(from: URL(fileURLWithPath: model)), modelPath: model,
        request: featureArguments.request(precision: precision), cache: extraction.featureCache,
        threads: extraction.threads)
      file = try output.map { path throws(PredictionFileError) in try PredictionFile(path: path) }
    } catch {
      Console.failure("\(error)")
      throw ExitCode.failure
    }
    if timeline && !predictor.model.hasTimeline {
      Console.failure("warning: \(model): the model has no per-frame classifier; no timeline")
    }
    let inputs = PredictionInputs(videos)
    if segments { return try segmentAll(inputs, with: predictor) }
    let results = try predictAll(inputs, with: predictor, file: file)
    do {
      try file?.finish()
    } catch {
      Console.failure("\(error)")
      throw ExitCode.failure
    }
    if json {
      let data = try PrettyJSON.encode(
        results.count == 1 && !inputs.isBatch ? AnyEncodable(results[0]) : AnyEncodable(results))
      print(String(decoding: data, as: UTF8.self))
    } else if let output {
      let failed = results.count { $0.error != nil }
      print("\(output): \(results.count) videos, \(failed) failed")
    }
    if results.contains(where: { $0.error != nil }) { throw ExitCode.failure }
  }

  /// Classifies every video (printing each one's text unless the results go to JSON or a
  /// file), in order, with the arguments that yielded no video as failures first.
  private func predictAll(
    _ inputs: PredictionInputs, with predictor: VideoPredictor, file: PredictionFile?
  ) throws -> [BatchPrediction] {
    var results: [BatchPrediction] = []
    func record(_ result: BatchPrediction) throws {
      results.append(result)
      do {
        try file?.append(result)
      } catch {
        Console.failure("\(error)")
        throw ExitCode.failure
      }
    }
    for problem in inputs.problems {
      Console.failure(problem.description)
      try record(BatchPrediction(video: problem.argument, error: problem.reason))
    }
    if inputs.skipped > 0 {
      Console.failure("note: \(inputs.skipped) files that are not videos were skipped")
    }
    let quiet = json || output != nil
    var display = quiet && inputs.videos.count > 1 ? ProgressDisplay() : nil
    let start = ContinuousClock.now
    for (done, video) in inputs.videos.enumerated() {
      let result: BatchPrediction
      do {
        result = BatchPrediction(
          try predictor.predict(
            videoAt: video.url, name: video.name, flip: featureArguments.flip, topK: topK,
            timeline: timeline
          ).rejecting(reject.rule(for: predictor.model)))
        if !quiet { print(result.prediction!.text) }
        if let warning = result.prediction?.warning { Console.failure("warning: \(warning)") }
      } catch {
        Console.failure("\(error)")
        result = BatchPrediction(video: video.name, error: Self.reason(error, video: video.name))
      }
      try record(result)
      let elapsed = ContinuousClock.now - start
      display?.update(
        ExtractionProgress(
          done: done + 1, total: inputs.videos.count, cached: 0,
          failed: results.count { $0.error != nil } - inputs.problems.count,
          elapsed: Double(elapsed.components.seconds)
            + Double(elapsed.components.attoseconds) / 1e18))
    }
    return results
  }

  /// The error's text without the leading video name, which the row already holds.
  static func reason(_ error: any Error, video: String) -> String {
    let text = "\(error)"
    return text.hasPrefix(video + ": ") ? String(text.dropFirst(video.count + 2)) : text
  }
}

/// Lets one code path print either a single result or a list of them.
private struct AnyEncodable: Encodable {
  let value: any Encodable
  init(_ value: any Encodable) { self.value = value }
  func encode(to encoder: any Encoder) throws { try value.encode(to: encoder) }
}
