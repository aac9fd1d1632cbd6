import Foundation
import SequenceModels

/// Synthetic feature sequences with a known answer.
enum Synthetic {
  /// Every class shows the same `steps` prototype vectors (plus noise), each class in its own
  /// order: only the order tells the classes apart, so a bag of frames is at chance.
  static func orderTask(
    clips: Int, classes: Int = 4, steps: Int = 8, dimension: Int = 16, noise: Float = 0.5,
    seed: UInt64
  ) -> SequenceDataset {
    var prototypeGenerator = SeededGenerator(seed: 7)
    let prototypes = (0..<steps).map { _ in gaussians(dimension, &prototypeGenerator) }
    var orderGenerator = SeededGenerator(seed: 11)
    let identity = Array(0..<steps)
    var orders = [identity, identity.reversed()]
    while orders.count < classes {
      let order = identity.shuffled(using: &orderGenerator)
      if !orders.contains(order) { orders.append(order) }
    }
    var generator = SeededGenerator(seed: seed)
    let items = (0..<clips).map { index in
      let label = index % classes
      let features = orders[label].flatMap { step in
        zip(prototypes[step], gaussians(dimension, &generator)).map { $0 + noise * $1 }
      }
      return SequenceClip(features: features, length: steps, label: label)
    }
    return SequenceDataset(
      classes: (0..<classes).map { "class\($0)" }, featureDimension: dimension, clips: items)
  }

  /// Each class has its own mean vector; frames are that mean plus strong noise, in no
  /// particular order, and clips have random lengths (padded to `steps`).
  static func orderFreeTask(
    clips: Int, classes: Int = 4, steps: Int = 8, dimension: Int = 16, noise: Float = 1.5,
    seed: UInt64
  ) -> SequenceDataset {
    var meanGenerator = SeededGenerator(seed: 5)
    let means = (0..<classes).map { _ in gaussians(dimension, &meanGenerator) }
    var generator = SeededGenerator(seed: seed)
    let items = (0..<clips).map { index in
      let label = index % classes
      let length = Int(generator.next() % UInt64(steps / 2)) + steps / 2 + 1
      let features = (0..<steps).flatMap { step in
        step < length
          ? zip(means[label], gaussians(dimension, &generator)).map { $0 + noise * $1 }
          : [Float](repeating: 0, count: dimension)
      }
      return SequenceClip(features: features, length: length, label: label)
    }
    return SequenceDataset(
      classes: (0..<classes).map { "class\($0)" }, featureDimension: dimension, clips: items)
  }

  static func gaussians(_ count: Int, _ generator: inout SeededGenerator) -> [Float] {
    (0..<count).map { _ in Float(gaussian(&generator)) }
  }

  static func gaussian(_ generator: inout SeededGenerator) -> Double {
    let u1 = Double(generator.next() >> 11) / Double(1 << 53)
    let u2 = Double(generator.next() >> 11) / Double(1 << 53)
    return (-2 * log(1 - u1)).squareRoot() * cos(2 * Double.pi * u2)
  }

  /// Fraction of `dataset`'s clips whose most probable class is their label.
  static func accuracy(_ model: TrainedModel, on dataset: SequenceDataset) throws -> Double {
    let predictions = try model.predict(dataset.clips, threads: 2)
    let correct = zip(predictions, dataset.clips).filter { p, clip in
      p.indices.max { p[$0] < p[$1] } == clip.label
    }.count
    return Double(correct) / Double(dataset.clips.count)
  }
}
