import Foundation

/// The JSON Vidi prints for people and scripts: indented, keys sorted so output diffs cleanly,
/// slashes in paths left unescaped. `keys: .convertToSnakeCase` spells the reports' camelCase
/// properties the snake_case way scripts read them (dictionary keys, such as class names, stay
/// as they are).
public enum PrettyJSON {
  public static func encode(
    _ value: some Encodable, keys: JSONEncoder.KeyEncodingStrategy = .useDefaultKeys
  ) throws -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    encoder.keyEncodingStrategy = keys
    return try encoder.encode(value)
  }

  /// `encode(value, keys:)` as text.
  public static func string(
    _ value: some Encodable, keys: JSONEncoder.KeyEncodingStrategy = .useDefaultKeys
  ) throws -> String {
    String(decoding: try encode(value, keys: keys), as: UTF8.self)
  }
}
