import ArgumentParser
import Foundation
import Pipeline
import SequenceModels

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

  /// Throws unless `--frames` is a frame count a run may use.
  static func checkFrames(_ frames: Int) throws {
    let limit = FeatureProvenance.frameCountLimit
    guard limit.contains(frames) else {
      throw ValidationError(
        "--frames must be between \(limit.lowerBound) and \(limit.upperBound) (got \(frames)).")
    }
  }

  /// The line saying that damaged cache entries were found and computed again, when any were.
  static func recomputedNote(_ summary: ExtractionSummary) -> String? {
    let count = summary.recomputedCorruptEntries
    guard count > 0 else { return nil }
    return "Recomputed \(count) damaged feature cache entr\(count == 1 ? "y" : "ies") "
      + "(they failed their checksum and were replaced)"
  }

  /// The feature cache folder: `--cache`, else Vidi's default.
  static func cacheFolder(_ option: String?) -> URL {
    option.map { URL(fileURLWithPath: $0) } ?? FeatureCache.defaultDirectory()
  }
}
