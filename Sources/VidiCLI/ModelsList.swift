import ArgumentParser
import Backbones
import Foundation
import Pipeline

/// `vidi models list`: every backbone with its weights, input and whether it is cached.
struct ModelsList: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "list",
    abstract: "Show the backbones, their input and preprocessing, and whether they are fetched.",
    discussion: """
      Examples:
        vidi models list
        vidi models list --json
      """)

  @Flag(help: "Print JSON instead of a table.")
  var json = false

  func run() throws {
    let store = ModelStore()
    let rows = store.statuses.map(Row.init)
    if json {
      print(try PrettyJSON.string(Listing(home: store.home.path, models: rows)))
      return
    }
    print("Model cache: \(store.home.path)")
    let table =
      [["ID", "DEFAULT", "SIZE", "INPUT", "STATUS", "PATH"]]
      + rows.map { row in
        [
          row.id, row.isDefault ? "*" : "", Self.megabytes(row.bytes),
          "\(row.inputSize)x\(row.inputSize)", row.status, row.path,
        ]
      }
    let widths = (0..<table[0].count).map { column in table.map { $0[column].count }.max() ?? 0 }
    for line in table {
      let cells = zip(line, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }
      print(cells.joined(separator: "  ").trimmingCharacters(in: .whitespaces))
    }
    print("Preprocessing:")
    for row in rows { print("  \(row.id): \(row.preprocessing)") }
  }

  private static func megabytes(_ bytes: Int) -> String {
    String(format: "%.1f MB", Double(bytes) / 1e6)
  }

  private struct Listing: Encodable {
    var home: String
    var models: [Row]
  }

  private struct Row: Encodable {
    var id: String
    var name: String
    var isDefault: Bool
    var bytes: Int
    var inputSize: Int
    var featureDimension: Int
    var classes: Int?
    var mean: [Float]
    var std: [Float]
    var preprocessing: String
    var weights: String
    var present: Bool
    /// `present`, `missing`, or `damaged` for a file of the wrong size.
    var status: String
    var path: String

    init(_ status: ModelStatus) {
      let spec = status.id.spec
      let normalization = spec.normalization
      id = status.id.rawValue
      name = spec.displayName
      isDefault = status.id == .default
      bytes = spec.weights.checkpoint.byteCount
      inputSize = spec.inputSize
      featureDimension = spec.featureDimension
      classes = spec.classCount
      mean = [normalization.mean.x, normalization.mean.y, normalization.mean.z]
      std = [normalization.std.x, normalization.std.y, normalization.std.z]
      preprocessing = normalization.description
      weights = spec.weights.requirement
      present = status.isPresent
      self.status =
        status.isPresent ? "present" : (status.byteCount == nil ? "missing" : "damaged")
      path = status.checkpoint.path
    }

    private enum CodingKeys: String, CodingKey {
      case id, name
      case isDefault = "default"
      case bytes
      case inputSize = "input_size"
      case featureDimension = "feature_dimension"
      case classes, mean, std, preprocessing, weights
      case present, status, path
    }

    /// Written out so that a backbone without a classifier shows `"classes": null`.
    func encode(to encoder: any Encoder) throws {
      var container = encoder.container(keyedBy: CodingKeys.self)
      try container.encode(id, forKey: .id)
      try container.encode(name, forKey: .name)
      try container.encode(isDefault, forKey: .isDefault)
      try container.encode(bytes, forKey: .bytes)
      try container.encode(inputSize, forKey: .inputSize)
      try container.encode(featureDimension, forKey: .featureDimension)
      try container.encode(classes, forKey: .classes)
      try container.encode(mean, forKey: .mean)
      try container.encode(std, forKey: .std)
      try container.encode(preprocessing, forKey: .preprocessing)
      try container.encode(weights, forKey: .weights)
      try container.encode(present, forKey: .present)
      try container.encode(status, forKey: .status)
      try container.encode(path, forKey: .path)
    }
  }
}
