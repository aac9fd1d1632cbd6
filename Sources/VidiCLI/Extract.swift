import ArgumentParser
import Backbones
import Foundation
import Pipeline

/// `vidi extract`: per-frame backbone features of every clip of a dataset, into the cache.
struct Extract: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Compute per-frame features of every clip of a dataset into the feature cache.",
    discussion: """
      DATASET is a folder in any layout `vidi index` accepts, or a CSV manifest. Frames are \
      sampled, centre-cropped to the backbone's input size and encoded; features are cached by \
      the clip's content and the settings, so a second run, or one after adding clips, only \
      computes what is missing, and an interrupted run resumes where it stopped. Clips that \
      cannot be decoded are listed and skipped (exit status 0).

      --shard I/N processes a fixed 1/N of the clips (chosen by a hash of their paths inside \
      the dataset, so the manifest's order does not matter); N processes given the same \
      DATASET, on any machines sharing the cache folder, together fill the whole cache. --status counts cached, missing and failed clips \
      without extracting anything.

      Examples:
        vidi extract data/ucf101 --frames 20 --cache /tmp/features
        vidi extract data/ucf101 --shard 3/8 --cache /shared/features
        vidi extract data/ucf101 --status --json --cache /shared/features
      """)

  @Argument(help: "Dataset folder or CSV manifest.")
  var dataset: String

  @OptionGroup var datasetArguments: DatasetArguments

  @OptionGroup var featureArguments: FeatureArguments

  @OptionGroup var extraction: ExtractionArguments

  @Option(help: "Process only shard I of N (0 <= I < N), e.g. 2/8.")
  var shard: Shard?

  @Flag(help: "Count cached, missing and failed clips without extracting anything.")
  var status = false

  @Flag(help: "Print the result as JSON.")
  var json = false

  func run() throws {
    let precision = try extraction.precision()
    do {
      let index = try datasetArguments.index(dataset)
      guard index.isUsable else { throw DatasetError.noClips(path: index.root.path) }
      let part = shard ?? .all
      let clips = part.select(index.clips)
      // Files the index already found unusable (empty, vanished) count as failed clips.
      let unusable = index.unreadable.filter { part.contains(path: $0.path) }.map {
        ClipFailure(path: $0.path, reason: $0.reason)
      }
      let setup = Setup(
        options: featureArguments.options(precision: precision), views: featureArguments.views,
        cache: extraction.featureCache, shard: shard, unusable: unusable)
      if status {
        try reportStatus(of: clips, setup)
      } else {
        try extract(clips, setup)
      }
    } catch let error as DatasetError {
      Console.failure(error.description)
      throw ExitCode.failure
    } catch let error as ExtractionError {
      Console.failure(error.description)
      throw ExitCode.failure
    }
  }

  /// What every output names: the settings, the views and where the features go.
  private struct Setup {
    var options: FeatureOptions
    var views: [FeatureView]
    var cache: FeatureCache
    var shard: Shard?
    /// Indexed files that cannot be clips at all, reported with the failed ones.
    var unusable: [ClipFailure]

    var heading: String {
      "\(cache.directory.path) (\(options.summary); views: "
        + views.map(\.rawValue).joined(separator: ", ")
        + (shard.map { "; shard \($0)" } ?? "") + ")"
    }
  }

  // MARK: --status

  private func reportStatus(of clips: [Clip], _ setup: Setup) throws {
    do {
      try setup.cache.checkUsable()
    } catch {
      throw ExtractionError.cache(error)
    }
    let status = setup.cache.status(
      of: clips, options: setup.options, views: setup.views, threads: extraction.threads)
    if json {
      print(try PrettyJSON.string(StatusReport(status, setup), keys: .convertToSnakeCase))
      return
    }
    let failures = setup.unusable + status.failures
    print("Feature cache \(setup.heading)")
    print(
      "\(status.total + setup.unusable.count) clips: \(status.cached) cached, "
        + "\(status.missing) missing, \(failures.count) failed")
    for failure in failures { print("  failed: \(failure.path): \(failure.reason)") }
  }

  private struct StatusReport: Encodable {
    var cached: Int
    var missing: Int
    var failed: Int
    var total: Int
    var failures: [ClipFailure]
    var settings: Settings

    init(_ status: ExtractionStatus, _ setup: Setup) {
      cached = status.cached
      missing = status.missing
      failures = setup.unusable + status.failures
      failed = failures.count
      total = status.total + setup.unusable.count
      settings = Settings(setup)
    }
  }

  // MARK: Extraction

  private func extract(_ clips: [Clip], _ setup: Setup) throws {
    let extractor = try FeatureExtractor(
      options: setup.options, cache: setup.cache, threads: extraction.threads)
    var display = ProgressDisplay()
    let summary: ExtractionSummary
    do {
      summary = try extractor.extract(clips, views: setup.views) { display.update($0) }
    } catch {
      display.close()
      throw error
    }
    let failures = setup.unusable + summary.failures
    for failure in failures { Console.failure("\(failure.path): \(failure.reason)") }
    for clip in summary.sparseClips { Console.failure("warning: \(clip.warning)") }
    if json {
      print(try PrettyJSON.string(ExtractReport(summary, setup), keys: .convertToSnakeCase))
    } else {
      printSummary(summary, setup)
    }
    if !failures.isEmpty {
      Console.failure(
        "warning: \(failures.count) of \(summary.total + setup.unusable.count) clips could not "
          + "be extracted (listed above); the others are cached")
    }
  }

  private func printSummary(_ summary: ExtractionSummary, _ setup: Setup) {
    let stages = summary.stageSeconds
    print("Features \(setup.heading)")
    print(
      "\(summary.total + setup.unusable.count) clips: \(summary.extracted) extracted, "
        + "\(summary.cached) cached, \(summary.failed + setup.unusable.count) failed"
        + (summary.recomputedCorruptEntries > 0
          ? ", \(summary.recomputedCorruptEntries) damaged cache entries recomputed" : "")
        + (summary.sparseClips.isEmpty
          ? "" : ", \(summary.sparseClips.count) with under half their frames decoded"))
    print(
      String(
        format: "%.1f s, %.2f clips/s, %.1f frames/s (CPU: lookup %.1f s, decode %.1f s, "
          + "encode %.1f s, store %.1f s)",
        summary.seconds, summary.clipsPerSecond, summary.framesPerSecond, stages.lookup,
        stages.decode, stages.encode, stages.store))
  }

  private struct ExtractReport: Encodable {
    var total: Int
    var extracted: Int
    var cached: Int
    var failed: Int
    var failures: [ClipFailure]
    var recomputedCorruptEntries: Int
    var sparseClips: [SparseClip]
    var framesEncoded: Int
    var seconds: Double
    var clipsPerSecond: Double
    var framesPerSecond: Double
    var stageSeconds: ExtractionSummary.StageSeconds
    var settings: Settings

    init(_ summary: ExtractionSummary, _ setup: Setup) {
      total = summary.total + setup.unusable.count
      extracted = summary.extracted
      cached = summary.cached
      failures = setup.unusable + summary.failures
      failed = failures.count
      recomputedCorruptEntries = summary.recomputedCorruptEntries
      sparseClips = summary.sparseClips
      framesEncoded = summary.framesEncoded
      seconds = summary.seconds
      clipsPerSecond = summary.clipsPerSecond
      framesPerSecond = summary.framesPerSecond
      stageSeconds = summary.stageSeconds
      settings = Settings(setup)
    }
  }

  private struct Settings: Encodable {
    var cache: String
    var backbone: String
    var frames: Int
    var sampling: String
    var cropSize: Int
    var views: [String]
    var shard: String?

    init(_ setup: Setup) {
      cache = setup.cache.directory.path
      backbone = setup.options.backbone.rawValue
      frames = setup.options.frames
      sampling = setup.options.sampling.rawValue
      cropSize = setup.options.cropSize
      views = setup.views.map(\.rawValue)
      shard = setup.shard?.description
    }
  }
}
extension Shard: ExpressibleByArgument {}
