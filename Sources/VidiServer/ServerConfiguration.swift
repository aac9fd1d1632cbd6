import Backbones
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
  /// A connection that brings nothing for this long is closed: a client stalled in its
  /// headers, or between requests. An upload may also pause this long before it has to keep
  /// `minimumUploadRate`.
  public var idleTimeout: Duration
  /// The whole body of a request must arrive within this time.
  public var uploadTimeout: Duration
  /// The average bytes per second an upload must keep after its first `idleTimeout`; slower
  /// ones are cut off with 408, so slow clients cannot hold connections (slow-loris).
  public var minimumUploadRate: Int

  public init(
    host: String = "127.0.0.1", port: Int = 8080, maxUploadBytes: Int = 200 << 20,
    workers: Int = 2, queueLimit: Int = 8, threadsPerWorker: Int? = nil,
    uploadDirectory: URL = FileManager.default.temporaryDirectory, precision: Precision = .f32,
    idleTimeout: Duration = .seconds(20), uploadTimeout: Duration = .seconds(600),
    minimumUploadRate: Int = 16 << 10
  ) {
    precondition(workers >= 1 && queueLimit >= 0 && maxUploadBytes >= 1)
    precondition(idleTimeout > .zero && uploadTimeout > .zero && minimumUploadRate >= 1)
    self.host = host
    self.port = port
    self.maxUploadBytes = maxUploadBytes
    self.workers = workers
    self.queueLimit = queueLimit
    self.threadsPerWorker =
      threadsPerWorker ?? max(1, ProcessInfo.processInfo.activeProcessorCount / workers)
    self.uploadDirectory = uploadDirectory
    self.precision = precision
    self.idleTimeout = idleTimeout
    self.uploadTimeout = uploadTimeout
    self.minimumUploadRate = minimumUploadRate
  }

  var uploadDeadline: UploadDeadline {
    UploadDeadline(
      idleTimeout: idleTimeout, uploadTimeout: uploadTimeout, minimumRate: minimumUploadRate)
  }
}
