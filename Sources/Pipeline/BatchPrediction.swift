import Foundation
import Reporting

/// One video of a batch: its prediction, or the reason it has none. A failed video stays in
/// the batch's output, so a script sees every video it asked about.
///
/// Encodes as the `Prediction` (`video`, `predictions`, `timeline`) or as
/// `{"video": V, "error": REASON}`.
public struct BatchPrediction: Sendable, Hashable, Encodable {
  public var video: String
  public var prediction: Prediction?
  public var error: String?

  public init(_ prediction: Prediction) {
    video = prediction.video
    self.prediction = prediction
  }

  public init(video: String, error: String) {
    self.video = video
    self.error = error
  }

  enum CodingKeys: String, CodingKey {
    case video, error
  }

  public func encode(to encoder: any Encoder) throws {
    if let prediction { return try prediction.encode(to: encoder) }
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(video, forKey: .video)
    try container.encode(error, forKey: .error)
  }
}

/// Why a predictions file could not be written.
public enum PredictionFileError: Error, Equatable, CustomStringConvertible {
  case unknownFormat(path: String)
  case cannotWrite(path: String, reason: String)

  public var description: String {
    switch self {
    case .unknownFormat(let path):
      "\(path): unknown output format: name the file .csv, .jsonl or .ndjson"
    case .cannotWrite(let path, let reason): "\(path): cannot write: \(reason)"
    }
  }
}

/// A batch's predictions as a file, one row per video in the order given: CSV
/// (`video,label,probability,top_k,error`, with top_k as `label:probability;...`) or JSON Lines
/// (one object per line with the same fields, top_k as a list, plus the timeline when asked
/// for). Rows go to a temporary file beside the target as they come; `finish` renames it into
/// place, so the target is never a half-written file.
public final class PredictionFile {
  public enum Format: Sendable {
    case csv, jsonLines

    /// The format a file name's extension asks for.
    public init(path: String) throws(PredictionFileError) {
      switch (path as NSString).pathExtension.lowercased() {
      case "csv": self = .csv
      case "jsonl", "ndjson": self = .jsonLines
      default: throw .unknownFormat(path: path)
      }
    }
  }

  public let url: URL
  public let format: Format
  private let temporary: URL
  private let handle: FileHandle
  private var finished = false

  /// Starts the file at `path` (the format from its extension) with the CSV header.
  public init(path: String) throws(PredictionFileError) {
    format = try Format(path: path)
    url = URL(fileURLWithPath: path).standardizedFileURL
    temporary = url.deletingLastPathComponent().appendingPathComponent(
      ".\(url.lastPathComponent).\(UUID().uuidString).tmp")
    guard FileManager.default.createFile(atPath: temporary.path, contents: nil),
      let handle = try? FileHandle(forWritingTo: temporary)
    else {
      throw .cannotWrite(path: url.path, reason: "cannot create a file in its folder")
    }
    self.handle = handle
    if format == .csv {
      try write(CSV.line(["video", "label", "probability", "top_k", "error"]) + "\n")
    }
  }

  /// Adds one video's row.
  public func append(_ item: BatchPrediction) throws(PredictionFileError) {
    try write(Self.row(item, format: format) + "\n")
  }

  /// Renames the finished file into place.
  public func finish() throws(PredictionFileError) {
    try? handle.close()
    finished = true
    guard rename(temporary.path, url.path) == 0 else {
      let reason = String(cString: strerror(errno))
      try? FileManager.default.removeItem(at: temporary)
      throw .cannotWrite(path: url.path, reason: reason)
    }
  }

  /// An unfinished file (the run stopped early) leaves no temporary behind.
  deinit {
    guard !finished else { return }
    try? handle.close()
    try? FileManager.default.removeItem(at: temporary)
  }

  private func write(_ text: String) throws(PredictionFileError) {
    do {
      try handle.write(contentsOf: Data(text.utf8))
    } catch {
      throw .cannotWrite(path: url.path, reason: error.localizedDescription)
    }
  }

  /// The row's text, without the line break.
  static func row(_ item: BatchPrediction, format: Format) -> String {
    let top = item.prediction?.predictions ?? []
    switch format {
    case .csv:
      return CSV.line([
        item.video, item.prediction?.answer ?? "",
        top.first.map { probability($0.probability) } ?? "",
        top.map { "\($0.label):\(probability($0.probability))" }.joined(separator: ";"),
        item.error ?? "",
      ])
    case .jsonLines:
      let line = Line(
        video: item.video, label: item.prediction?.answer, probability: top.first?.probability,
        topK: top, timeline: item.prediction?.timeline, error: item.error)
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
      return (try? encoder.encode(line)).map { String(decoding: $0, as: UTF8.self) } ?? ""
    }
  }

  static func probability(_ value: Float) -> String { String(format: "%.6f", Double(value)) }

  /// A JSON Lines row; absent values are written as null so every row has the same keys.
  private struct Line: Encodable {
    var video: String
    var label: String?
    var probability: Float?
    var topK: [LabelProbability]
    var timeline: [TimelineFrame]?
    var error: String?

    enum CodingKeys: String, CodingKey {
      case video, label, probability, timeline, error
      case topK = "top_k"
    }

    func encode(to encoder: any Encoder) throws {
      var container = encoder.container(keyedBy: CodingKeys.self)
      try container.encode(video, forKey: .video)
      try container.encode(label, forKey: .label)
      try container.encode(probability, forKey: .probability)
      try container.encode(topK, forKey: .topK)
      try container.encodeIfPresent(timeline, forKey: .timeline)
      try container.encode(error, forKey: .error)
    }
  }
}
