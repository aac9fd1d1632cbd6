import Backbones
import Dispatch
import Foundation
import VideoIO

/// Turns one clip's decoded frames into the cached form of its features: one row per frame
/// slot, padded with masked zero rows up to the requested frame count, for each view.
///
/// Holds the scratch buffer for mirrored frames, so one instance belongs to one thread.
final class ClipEncoder {
  private let encoders: [FrameEncoder]
  private let board: FrameWorkBoard?
  private var mirrored: [Float] = []

  /// Frames are shared out over `encoders`, which run side by side; one encoder is the usual
  /// case in a pipeline, where clips run side by side instead. Each clip view being encoded is
  /// posted on `board`, where other threads' encoders may take some of its frames (`help`).
  init(encoders: [FrameEncoder], board: FrameWorkBoard? = nil) {
    precondition(!encoders.isEmpty, "at least one encoder")
    self.encoders = encoders
    self.board = board
  }

  /// Encodes frames of clip views posted on the board until none is left to hand out.
  func help() {
    while let work = board?.open() { run(work) }
  }

  /// The features of `batch`, centre squares, for each of `views` (which must all read the
  /// centre square), padded to `frames` rows.
  func features(of batch: FrameBatch, views: [FeatureView], frames: Int)
    -> [FeatureView: CachedFeatures]
  {
    features(of: [.centre: batch], views: views, frames: frames)
  }

  /// The features of each of `views`, padded to `frames` rows, from `batches`, the clip's
  /// frames decoded as each view's square (`FeatureView.crop`).
  func features(of batches: [SquareCrop: FrameBatch], views: [FeatureView], frames: Int)
    -> [FeatureView: CachedFeatures]
  {
    var result: [FeatureView: CachedFeatures] = [:]
    for view in views {
      guard let batch = batches[view.crop] else {
        preconditionFailure("no frames decoded for the \(view.crop) square")
      }
      let values: [Float]
      if view.isMirrored {
        FrameMirror.mirror(batch.pixels, size: batch.size, into: &mirrored)
        values = encode(mirrored, count: batch.count)
      } else {
        values = encode(batch.pixels, count: batch.count)
      }
      result[view] = Self.padded(values, batch: batch, frames: frames)
    }
    return result
  }

  private func encode(_ pixels: [Float], count: Int) -> [Float] {
    pixels.withUnsafeBufferPointer { pixels in
      let work = FrameWork(frames: pixels, count: count, featureCount: encoders[0].featureCount)
      board?.post(work)
      defer { board?.remove(work) }
      run(work)
      return work.result()
    }
  }

  private func run(_ work: FrameWork) {
    guard encoders.count > 1 else { return work.run(encoders[0]) }
    let encoders = encoders
    DispatchQueue.concurrentPerform(iterations: encoders.count) { work.run(encoders[$0]) }
  }

  /// `frames` rows: the encoded frames, then zero rows masked out. Padding rows repeat the last
  /// frame's index, so indices stay ascending. Values are rounded to binary16, the cache's
  /// precision, so fresh features are identical to the same features read back from the cache.
  static func padded(_ values: [Float], batch: FrameBatch, frames: Int) -> CachedFeatures {
    let count = batch.count
    precondition(count <= frames, "more frames decoded than sampled")
    let dimension = count > 0 ? values.count / count : 0
    let padding = frames - count
    let lastIndex = batch.frameIndices.last ?? 0
    return CachedFeatures(
      frameCount: frames, dimension: dimension,
      values: values.map(HalfFloat.rounded) + repeatElement(0, count: padding * dimension),
      mask: Array(repeating: true, count: count) + repeatElement(false, count: padding),
      frameIndices: batch.frameIndices + repeatElement(lastIndex, count: padding))
  }
}

/// Mirrors NHWC RGB frames left to right.
public enum FrameMirror {
  /// Writes `frames` (`size` × `size` × 3 values each, one after another) mirrored into
  /// `output`, resizing it to match.
  public static func mirror(_ frames: [Float], size: Int, into output: inout [Float]) {
    let rowLength = size * 3
    precondition(rowLength > 0 && frames.count % rowLength == 0, "whole rows of RGB pixels")
    if output.count != frames.count {
      output = [Float](repeating: 0, count: frames.count)
    }
    for rowStart in Swift.stride(from: 0, to: frames.count, by: rowLength) {
      for column in 0..<size {
        let source = rowStart + column * 3
        let target = rowStart + (size - 1 - column) * 3
        output[target] = frames[source]
        output[target + 1] = frames[source + 1]
        output[target + 2] = frames[source + 2]
      }
    }
  }
}
