import Backbones
import Foundation
import Reporting
import SequenceModels
import VideoIO

extension ClipFeatures {
  /// The features of `view` extracted for a dataset clip, with its label, split and group.
  public init(clip: Clip, view: FeatureView, cached: CachedFeatures) throws(ClipFeaturesError) {
    try self.init(
      path: clip.path, label: clip.label, split: clip.split, group: clip.group,
      view: view, cached: cached)
  }
}

/// The features of a dataset's clips, every view, and the clips that could not be used.
public struct DatasetFeatures: Sendable {
  /// In the order of the clips given, each clip's views in `FeatureView` order.
  public var clips: [ClipFeatures]
  /// Clips that could not be decoded or had no frames, in the order given.
  public var failures: [ClipFailure]
  public var extraction: ExtractionSummary
}

extension FeatureExtractor {
  /// Extracts (or reads from the cache) `views` of every clip. A clip that cannot be used is
  /// listed in `failures` and left out; the others go on.
  public func clipFeatures(
    _ clips: [Clip], views: [FeatureView] = [.original],
    progress: (ExtractionProgress) -> Void = { _ in }
  ) throws(ExtractionError) -> DatasetFeatures {
    let (outcomes, summary) = try extractAll(clips, views: views, progress: progress)
    var features: [ClipFeatures] = []
    var failures: [ClipFailure] = []
    for outcome in outcomes {
      if let reason = outcome.failureReason {
        failures.append(ClipFailure(path: outcome.clip.path, reason: reason))
        continue
      }
      do {
        features += try Set(views).sorted().map { view throws(ClipFeaturesError) in
          guard let cached = outcome.features(view) else {
            throw .noFrames(path: outcome.clip.path)
          }
          return try ClipFeatures(clip: outcome.clip, view: view, cached: cached)
        }
      } catch {
        failures.append(ClipFailure(path: outcome.clip.path, reason: "the video has no frames"))
      }
    }
    return DatasetFeatures(clips: features, failures: failures, extraction: summary)
  }
}

extension DatasetIndex {
  /// The clips `vidi train` learns from: the train split, or every clip when the dataset names
  /// no splits.
  public var trainingClips: [Clip] {
    splits.contains(.train) ? clips(in: .train) : clips(in: .unassigned)
  }
}

extension ReportFrameStrip {
  /// Strips of the frames `sampling` picks (the model's own sampling, so they are the frames
  /// its timeline scores) from the clips at `paths` (the first `limit` found in `clips`), for a
  /// report's misclassified clips. A clip whose frames cannot be read gets no strip.
  public static func sampled(
    paths: [String], clips: [Clip], sampling: FrameSampling = .uniform(8), size: Int = 64,
    limit: Int = 6
  ) -> [ReportFrameStrip] {
    let byPath = Dictionary(clips.map { ($0.path, $0) }, uniquingKeysWith: { a, _ in a })
    return paths.compactMap { byPath[$0] }.prefix(limit).compactMap { clip in
      guard
        let strip = try? ReportFrameStrip(
          videoAt: clip.url, path: clip.path, sampling: sampling, size: size),
        !strip.frames.isEmpty
      else { return nil }
      return strip
    }
  }
}
