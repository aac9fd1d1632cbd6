import Foundation
import Pipeline
import SequenceModels

/// Synthetic extracted features with a known answer, for the workflow tests.
enum SyntheticClips {
  static let dimension = 16
  static let frames = 8

  static let provenance = FeatureProvenance(
    backbone: "efficientnet-lite0", backboneWeightsSHA256: String(repeating: "cd", count: 32),
    preprocessing: "resize 256, center crop 224, ImageNet mean/std", sampling: "uniform",
    frameCount: frames, cropSize: 224)

  /// Clips of two classes showing the same prototype frames, "forward" in order and "backward"
  /// reversed: only order tells them apart. Clip `i` of a class is in group `i % groups` of
  /// that class. With `flippedViews`, every clip also comes as a flipped view (a fresh noise
  /// draw of the same frames).
  static func orderTask(
    clipsPerClass: Int, groups: Int = 6, noise: Float = 0.4, seed: UInt64,
    split: DatasetSplit? = .train, flippedViews: Bool = false, grouped: Bool = true
  ) -> [ClipFeatures] {
    var prototypeGenerator = SeededGenerator(seed: 7)
    let prototypes = (0..<frames).map { _ in gaussians(dimension, &prototypeGenerator) }
    var generator = SeededGenerator(seed: seed)
    var clips: [ClipFeatures] = []
    for (label, order) in [
      ("backward", Array((0..<frames).reversed())), ("forward", Array(0..<frames)),
    ] {
      for index in 0..<clipsPerClass {
        let path = "\(split?.rawValue ?? "all")/\(label)/clip\(index)-seed\(seed).mp4"
        let views: [FeatureView] = flippedViews ? [.original, .flipped] : [.original]
        for view in views {
          let values = order.flatMap { step in
            zip(prototypes[step], gaussians(dimension, &generator)).map { $0 + noise * $1 }
          }
          clips.append(
            ClipFeatures(
              path: path, label: label, split: split,
              group: grouped ? "\(label)-g\(index % groups)" : nil, view: view,
              frameCount: frames, dimension: dimension, values: values, length: frames,
              frameIndices: (0..<frames).map { $0 * 5 }))
        }
      }
    }
    return clips
  }

  /// `clipsPerClass` training clips of each labelled centre, every frame the centre plus
  /// Gaussian noise of standard deviation 0.3; clip `i` of a class is in group `i % groups`.
  static func aroundCentres(
    _ centres: [(label: String, centre: [Float])], clipsPerClass: Int, groups: Int,
    frames: Int, seed: UInt64
  ) -> [ClipFeatures] {
    var generator = SeededGenerator(seed: seed)
    var clips: [ClipFeatures] = []
    for (label, centre) in centres {
      for index in 0..<clipsPerClass {
        let values = (0..<frames).flatMap { _ in
          zip(centre, gaussians(centre.count, &generator)).map { $0 + 0.3 * $1 }
        }
        clips.append(
          ClipFeatures(
            path: "\(label)/\(index).mp4", label: label, split: .train,
            group: "\(label)-g\(index % groups)", frameCount: frames, dimension: centre.count,
            values: values, length: frames, frameIndices: Array(0..<frames)))
      }
    }
    return clips
  }

  static func gaussians(_ count: Int, _ generator: inout SeededGenerator) -> [Float] {
    (0..<count).map { _ in
      let u1 = Double(generator.next() >> 11) / Double(1 << 53)
      let u2 = Double(generator.next() >> 11) / Double(1 << 53)
      return Float((-2 * log(1 - u1)).squareRoot() * cos(2 * Double.pi * u2))
    }
  }

  /// A fresh temporary folder, removed by the caller.
  static func scratch() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "vidi-workflow-\(UUID())")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }
}
