import Foundation

/// Runs `body` with a fresh empty directory that is removed afterwards.
func withTemporaryDirectory<T>(_ body: (URL) throws -> T) throws -> T {
  let url = FileManager.default.temporaryDirectory
    .appendingPathComponent("vidi-test-\(UUID().uuidString)", isDirectory: true)
  try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  defer { try? FileManager.default.removeItem(at: url) }
  return try body(url)
}

/// The names in `directory`, or none when it does not exist.
func contents(of directory: URL) -> [String] {
  (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
}
