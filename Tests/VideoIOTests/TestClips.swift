import Foundation
import VideoIO

/// Clips the tests make for themselves, in a temporary folder removed at deinit.
final class Scratch {
  let folder: URL

  init() throws {
    folder = FileManager.default.temporaryDirectory
      .appendingPathComponent("vidi-videoio-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
  }

  deinit { try? FileManager.default.removeItem(at: folder) }

  func url(_ name: String) -> URL { folder.appendingPathComponent(name) }

  /// Writes `frames` frames whose flat colour encodes the frame index (see `IndexPattern`).
  @discardableResult
  func indexedClip(
    _ name: String, frames: Int, width: Int = 64, height: Int = 48,
    options: VideoWriter.Options = .init()
  ) throws -> URL {
    let url = url(name)
    let writer = try VideoWriter(url: url, width: width, height: height, options: options)
    for i in 0..<frames { try writer.append(IndexPattern.frame(i, width: width, height: height)) }
    try writer.finish()
    return url
  }

  /// Writes a clip whose every frame is `picture`.
  @discardableResult
  func stillClip(
    _ name: String, frames: Int, width: Int, height: Int, options: VideoWriter.Options = .init(),
    picture: (_ x: Int, _ y: Int) -> (UInt8, UInt8, UInt8)
  ) throws -> URL {
    var rgb = [UInt8]()
    for y in 0..<height {
      for x in 0..<width {
        let (r, g, b) = picture(x, y)
        rgb += [r, g, b]
      }
    }
    let url = url(name)
    let writer = try VideoWriter(url: url, width: width, height: height, options: options)
    for _ in 0..<frames { try writer.append(rgb) }
    try writer.finish()
    return url
  }

  /// Writes `bytes` to a file.
  @discardableResult
  func file(_ name: String, _ bytes: [UInt8]) throws -> URL {
    let url = url(name)
    try Data(bytes).write(to: url)
    return url
  }
}

/// A frame index written as a flat colour: red and green each step through 24 levels, so
/// indices up to 575 survive lossy coding (levels are 9 apart; codecs stay within 2 or 3).
enum IndexPattern {
  static func color(_ i: Int) -> (UInt8, UInt8, UInt8) {
    (UInt8(16 + 9 * (i % 24)), UInt8(16 + 9 * (i / 24 % 24)), 128)
  }

  static func frame(_ i: Int, width: Int, height: Int) -> [UInt8] {
    let (r, g, b) = color(i)
    return [r, g, b].repeated(width * height)
  }

  /// The index a decoded frame shows, from its mean red and green.
  static func index(in batch: FrameBatch, frame: Int) -> Int {
    let values = batch.frame(frame)
    var red = 0.0
    var green = 0.0
    var i = values.startIndex
    while i < values.endIndex {
      red += Double(values[i])
      green += Double(values[i + 1])
      i += 3
    }
    let pixels = Double(values.count / 3)
    let low = Int(((red / pixels - 16) / 9).rounded())
    let high = Int(((green / pixels - 16) / 9).rounded())
    return high * 24 + low
  }

  static func indices(in batch: FrameBatch) -> [Int] {
    (0..<batch.count).map { index(in: batch, frame: $0) }
  }
}

extension Array {
  func repeated(_ times: Int) -> [Element] {
    var result = [Element]()
    result.reserveCapacity(count * times)
    for _ in 0..<times { result += self }
    return result
  }
}

/// Runs the `ffmpeg` command-line tool (an encoder other than Vidi's own).
enum FFmpegTool {
  static func run(_ arguments: [String]) throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["ffmpeg", "-v", "error", "-nostdin", "-y"] + arguments
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
      throw ToolFailure(arguments: arguments, status: process.terminationStatus)
    }
  }

  /// Whether the tool's FFmpeg build has the encoder `name`.
  static func hasEncoder(_ name: String) throws -> Bool {
    let process = Process()
    // A file, not a pipe: Foundation's pipe read traps on EINTR, which other tests' child
    // processes can cause.
    let file = FileManager.default.temporaryDirectory
      .appendingPathComponent("vidi-encoders-\(UUID().uuidString).txt")
    FileManager.default.createFile(atPath: file.path, contents: nil)
    defer { try? FileManager.default.removeItem(at: file) }
    let output = try FileHandle(forWritingTo: file)
    defer { try? output.close() }
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["ffmpeg", "-hide_banner", "-encoders"]
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    let listing = String(decoding: try Data(contentsOf: file), as: UTF8.self)
    return listing.split(separator: "\n").contains {
      $0.split(separator: " ").dropFirst().first == Substring(name)
    }
  }

  struct ToolFailure: Error, CustomStringConvertible {
    var arguments: [String]
    var status: Int32
    var description: String { "ffmpeg \(arguments.joined(separator: " ")) exited \(status)" }
  }
}
