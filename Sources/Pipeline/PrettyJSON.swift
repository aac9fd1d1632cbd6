import Foundation

/// The JSON Vidi prints for people and scripts: indented, keys sorted so output diffs cleanly,
/// slashes in paths left unescaped.
public enum PrettyJSON {
  public static func encode(_ value: some Encodable) throws -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return try encoder.encode(value)
  }

  /// `encode(value)` as text.
  public static func string(_ value: some Encodable) throws -> String {
    String(decoding: try encode(value), as: UTF8.self)
  }
}
