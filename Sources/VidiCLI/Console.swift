import Foundation
import Pipeline

/// Output shared by the subcommands: results on standard output, failures as one line on
/// standard error.
enum Console {
  /// Writes a line to standard output at once, so progress shows while a long step runs.
  static func line(_ text: String) {
    FileHandle.standardOutput.write(Data((text + "\n").utf8))
  }

  /// Reports a failure as the one line `vidi: <file>: <reason>` on standard error.
  static func failure(_ message: String) {
    FileHandle.standardError.write(Data("vidi: \(message)\n".utf8))
  }

  /// The feature cache folder: `--cache`, else Vidi's default.
  static func cacheFolder(_ option: String?) -> URL {
    option.map { URL(fileURLWithPath: $0) } ?? FeatureCache.defaultDirectory()
  }
}
