import Foundation
import NumericCore

/// How `vidi serve` listens and how much work it accepts.
public struct ServerConfiguration: Sendable, Hashable {
  public var host: String
  /// 0 picks a free port (see `VidiServer.run(onListening:)`).
  public var port: Int
  /// Request bodies larger than this are refused with 413.
  public var maxUploadBytes: Int
  /// Predictions that run at the same time, each on its own predictor.
  public var workers: Int
  /// Requests that may wait for a worker; more get 503.
  public var queueLimit: Int
  /// Cores each worker's backbone uses.
  public var threadsPerWorker: Int
  /// Where uploads are stored while they are classified.
  public var uploadDirectory: URL
  /// The backbones' number format (resolved `--precision`).
  public var precision: Precision

  public init(
    host: String = "127.0.0.1", port: Int = 8080, maxUploadBytes: Int = 200 << 20,
    workers: Int = 2, queueLimit: Int = 8, threadsPerWorker: Int? = nil,
    uploadDirectory: URL = FileManager.default.temporaryDirectory, precision: Precision = .f32
  ) {
    precondition(workers >= 1 && queueLimit >= 0 && maxUploadBytes >= 1)
    self.host = host
    self.port = port
    self.maxUploadBytes = maxUploadBytes
    self.workers = workers
    self.queueLimit = queueLimit
    self.threadsPerWorker =
      threadsPerWorker ?? max(1, ProcessInfo.processInfo.activeProcessorCount / workers)
    self.uploadDirectory = uploadDirectory
    self.precision = precision
  }
}
