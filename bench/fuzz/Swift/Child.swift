import Backbones
import Foundation
import Pipeline
import SequenceModels
import VideoIO

/// What one child process does with one mutant: exactly what Vidi does with such a file, then
/// a one-line answer on standard output (exit 0) or a one-line error on standard error
/// (exit 1). Anything else (a signal, another status, a multi-line error) is a finding.
enum Child {
  static func run(kind: String, path: String, backbone: String?) -> Int32 {
    do {
      let answer: String
      switch kind {
      case "video": answer = try video(URL(fileURLWithPath: path))
      case "checkpoint": answer = try checkpoint(URL(fileURLWithPath: path), backbone: backbone)
      case "model": answer = try model(URL(fileURLWithPath: path))
      default:
        FileHandle.standardError.write(Data("vidi-fuzz: unknown kind \(kind)\n".utf8))
        return 2
      }
      print(answer)
      return 0
    } catch {
      let line = "\(error)".replacingOccurrences(of: "\n", with: " ")
      FileHandle.standardError.write(Data("\(line)\n".utf8))
      return 1
    }
  }

  /// Decodes as extraction does: the default sampling and crop, stepping over damage.
  static func video(_ url: URL) throws -> String {
    let options = FeatureOptions()
    let batch = try VideoReader.read(
      url, sampling: options.frameSampling, size: options.cropSize, bestEffort: true)
    return "\(batch.count) frames"
  }

  /// Reads the checkpoint and builds the backbone from it, as extraction does, then encodes
  /// one grey frame.
  static func checkpoint(_ url: URL, backbone: String?) throws -> String {
    guard let id = backbone.flatMap(BackboneID.init(rawValue:)) else {
      throw FuzzError("a checkpoint needs its backbone")
    }
    let encoder = try FrameEncoder(backbone: id, checkpoint: url, threads: 1)
    let side = encoder.inputSize
    let features = encoder.features(
      frames: [Float](repeating: 128, count: side * side * 3), count: 1)
    return "\(features.count) features"
  }

  /// Loads the model folder and classifies one clip of features the way `vidi predict` does
  /// once the frames are encoded: the model's own options, its frame count and feature width.
  static func model(_ url: URL) throws -> String {
    let model = try TrainedModel.load(from: url)
    let options = try FeatureOptions(model: model, modelPath: url.path, request: FeatureRequest())
    let frames = options.frames
    let dimension = model.featureDimension
    let clip = ClipFeatures(
      path: "clip.avi", label: nil, frameCount: frames, dimension: dimension,
      values: (0..<(frames * dimension)).map { Float($0 % 7) / 7 }, length: frames,
      frameIndices: Array(0..<frames))
    let prediction = try PredictionWorkflow.predict(
      model, modelPath: url.path, clip: clip, provenance: options.provenance, timeline: true)
    return prediction.predictions.first.map { "\($0.label) \($0.probability)" } ?? "no classes"
  }
}

struct FuzzError: Error, CustomStringConvertible {
  let description: String
  init(_ description: String) { self.description = description }
}
