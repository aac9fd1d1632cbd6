import Foundation

/// Runs the built `vidi` executable, which sits beside the test bundle in the build folder.
struct VidiProcess {
  struct Result {
    var status: Int32
    var stdout: String
    var stderr: String
  }

  static var executable: URL {
    var url = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    while !FileManager.default.fileExists(atPath: url.appendingPathComponent("vidi").path) {
      let parent = url.deletingLastPathComponent()
      precondition(parent != url, "the vidi executable was not built")
      url = parent
    }
    return url.appendingPathComponent("vidi")
  }

  /// Output goes to temporary files rather than pipes so a chatty command cannot block on a
  /// full pipe while the test waits for it to exit.
  static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> Result {
    let scratch = FileManager.default.temporaryDirectory
      .appendingPathComponent("vidi-run-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: scratch) }
    let outURL = scratch.appendingPathComponent("stdout")
    let errURL = scratch.appendingPathComponent("stderr")
    _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
    _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)

    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = try FileHandle(forWritingTo: outURL)
    process.standardError = try FileHandle(forWritingTo: errURL)
    try process.run()
    process.waitUntilExit()
    return Result(
      status: process.terminationStatus,
      stdout: try String(contentsOf: outURL, encoding: .utf8),
      stderr: try String(contentsOf: errURL, encoding: .utf8))
  }
}
