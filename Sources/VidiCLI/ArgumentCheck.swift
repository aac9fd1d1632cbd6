import Foundation
import Pipeline

/// Catches the common mix-up of a command's arguments (a dataset or a video where the model
/// goes, a model where the dataset goes) before loading anything, so the user reads which
/// argument is which instead of a missing `config.json`.
enum ArgumentCheck {
  /// What a path on the command line looks like.
  enum Kind: Equatable {
    case model, dataset, video, videoFolder, missing, other
  }

  /// A `.vidi` folder (or any folder with `config.json`) is a model; a video file is a video;
  /// a CSV file or a folder of folders is a dataset.
  static func kind(of path: String) -> Kind {
    var isFolder: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
      return .missing
    }
    let url = URL(fileURLWithPath: path)
    guard isFolder.boolValue else {
      if DatasetIndex.isVideoFile(url.lastPathComponent) { return .video }
      return url.pathExtension.lowercased() == "csv" ? .dataset : .other
    }
    if FileManager.default.fileExists(atPath: url.appendingPathComponent("config.json").path) {
      return .model
    }
    let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
    let hasFolders = names.contains { name in
      var nested: ObjCBool = false
      return !name.hasPrefix(".")
        && FileManager.default.fileExists(
          atPath: url.appendingPathComponent(name).path, isDirectory: &nested)
        && nested.boolValue
    }
    if hasFolders || names.contains(where: { $0.lowercased().hasSuffix(".csv") }) {
      return .dataset
    }
    return names.contains(where: DatasetIndex.isVideoFile) ? .videoFolder : .other
  }

  /// The one-line complaint when `model` is not a model but looks like something the command
  /// takes elsewhere; nil when it is a model or nothing recognisable (the loader's own error
  /// then names the file).
  static func modelMixUp(model: String, usage: String) -> String? {
    let what: String
    switch kind(of: model) {
    case .dataset: what = "a dataset"
    case .video: what = "a video"
    case .videoFolder: what = "a folder of videos"
    case .model, .missing, .other: return nil
    }
    return "\(model) looks like \(what), not a model (usage: \(usage))"
  }

  /// The complaint when the argument meant as a dataset is a model.
  static func datasetMixUp(dataset: String, usage: String) -> String? {
    kind(of: dataset) == .model
      ? "\(dataset) looks like a model, not a dataset (usage: \(usage))" : nil
  }
}
