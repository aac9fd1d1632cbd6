// Times training epochs of Vidi's sequence models on a fixed synthetic feature set and writes
// the set to disk, so that bench/training/torch_peer.py trains the same models on the same data.
//
//     vidi-bench-training OUT_DIR [--epochs N] [--threads N] [--models seed-gru,gru]
//     vidi-bench-training tune [NAME_FILTER]     (see Tuning.swift)

import Foundation
import SequenceModels

let clips = 650
let steps = 20
let dimension = 1280
let classes = 10

struct Options {
  var output: URL
  var epochs = 4
  var threads = 2
  var models: [ModelKind] = [.seedGRU, .gru]

  init(_ arguments: [String]) throws {
    var rest = arguments[...]
    guard let first = rest.popFirst() else { throw usage }
    output = URL(fileURLWithPath: first)
    while let flag = rest.popFirst() {
      guard let value = rest.popFirst() else { throw usage }
      switch flag {
      case "--epochs": epochs = Int(value) ?? 0
      case "--threads": threads = Int(value) ?? 0
      case "--models":
        models = value.split(separator: ",").compactMap { ModelKind(rawValue: String($0)) }
      default: throw usage
      }
    }
    guard epochs >= 2, threads >= 1, !models.isEmpty else { throw usage }
  }
}

let usage = NSError(
  domain: "vidi-bench-training", code: 2,
  userInfo: [
    NSLocalizedDescriptionKey:
      "usage: vidi-bench-training OUT_DIR [--epochs N>=2] [--threads N] [--models seed-gru,gru]"
  ])

/// Features are Gaussian around a per-class mean that drifts over the clip, so the models have
/// something to learn; every clip is full length.
func makeDataset() -> SequenceDataset {
  var generator = SeededGenerator(seed: 2024)
  func gaussian() -> Float {
    let u1 = Float(generator.next() >> 40) / 16_777_216
    let u2 = Float(generator.next() >> 40) / 16_777_216
    return (-2 * log(1 - u1)).squareRoot() * cos(2 * .pi * u2)
  }
  let means = (0..<(classes * 2)).map { _ in (0..<dimension).map { _ in gaussian() } }
  let items = (0..<clips).map { index in
    let label = index % classes
    var features = [Float]()
    features.reserveCapacity(steps * dimension)
    for t in 0..<steps {
      let w = Float(t) / Float(steps - 1)
      for j in 0..<dimension {
        let mean = (1 - w) * means[2 * label][j] + w * means[2 * label + 1][j]
        features.append(0.3 * mean + gaussian())
      }
    }
    return SequenceClip(features: features, length: steps, label: label)
  }
  return SequenceDataset(
    classes: (0..<classes).map { "c\($0)" }, featureDimension: dimension, clips: items)
}

/// Raw little-endian float32 features `[clips, steps, dimension]` and int32 labels.
func write(_ dataset: SequenceDataset, to folder: URL) throws {
  var features = Data(capacity: clips * steps * dimension * 4)
  for clip in dataset.clips {
    clip.features.withUnsafeBytes { features.append(contentsOf: $0) }
  }
  try features.write(to: folder.appendingPathComponent("features.f32"))
  var labels = Data()
  for clip in dataset.clips {
    withUnsafeBytes(of: Int32(clip.label).littleEndian) { labels.append(contentsOf: $0) }
  }
  try labels.write(to: folder.appendingPathComponent("labels.i32"))
}

do {
  if CommandLine.arguments.dropFirst().first == "tune" {
    try Tuning.run(filter: CommandLine.arguments.dropFirst(2).first, threads: 2)
    exit(0)
  }
  let options = try Options(Array(CommandLine.arguments.dropFirst()))
  try FileManager.default.createDirectory(at: options.output, withIntermediateDirectories: true)
  let dataset = makeDataset()
  try write(dataset, to: options.output)
  var results: [[String: Any]] = []
  for kind in options.models {
    var config = TrainingConfig(model: kind, seed: 1)
    config.epochs = options.epochs
    config.patience = nil
    config.threads = options.threads
    let model = try Trainer.train(dataset, validation: .none, config: config)
    // The first epoch pays for allocations and page faults; time the rest.
    let seconds = model.training.history.dropFirst().map(\.seconds).sorted()
    let median = seconds[seconds.count / 2]
    let hp = config.hyperparameters
    results.append([
      "model": kind.rawValue, "seconds_per_epoch": median,
      "final_loss": model.training.history.last!.loss,
      "hidden": hp.hiddenSize, "layers": hp.layers, "dropout": hp.dropout,
      "input_dropout": hp.inputDropout, "bidirectional": hp.bidirectional,
      "clip_norm": config.clipNorm ?? 0, "batch_size": config.batchSize,
    ])
    print("swift \(kind.rawValue): \(String(format: "%.3f", median)) s/epoch")
  }
  let json = try JSONSerialization.data(
    withJSONObject: [
      "clips": clips, "steps": steps, "dimension": dimension, "classes": classes,
      "threads": options.threads, "epochs": options.epochs, "results": results,
    ], options: [.prettyPrinted, .sortedKeys])
  try json.write(to: options.output.appendingPathComponent("swift.json"))
} catch {
  FileHandle.standardError.write(Data("vidi-bench-training: \(error.localizedDescription)\n".utf8))
  exit(1)
}
