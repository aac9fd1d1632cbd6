import Dispatch

/// A fixed set of workers (one predictor each) with a bounded queue in front.
///
/// A request is admitted once its upload is whole, so a client that sends slowly never holds
/// a place; admitted requests then wait for an idle worker. At most
/// `workers.count + queueLimit` requests wait or predict at a time; more are refused.
actor WorkerPool<Worker: Sendable> {
  private var idle: [Worker]
  private var waiting: [CheckedContinuation<Worker, Never>] = []
  private var admitted = 0
  let workerCount: Int
  let queueLimit: Int

  init(workers: [Worker], queueLimit: Int) {
    precondition(!workers.isEmpty, "a pool needs a worker")
    idle = workers
    workerCount = workers.count
    self.queueLimit = queueLimit
  }

  /// What `admit()` decided.
  enum Admission: Equatable {
    case admitted
    /// Every worker is busy and the queue is full: how many run and wait right now.
    case full(running: Int, waiting: Int)
  }

  /// Takes a place for one request unless every worker is busy and the queue is full. Each
  /// admission is matched by one `leave()`.
  func admit() -> Admission {
    guard admitted < workerCount + queueLimit else {
      let running = workerCount - idle.count
      return .full(running: running, waiting: admitted - running)
    }
    admitted += 1
    return .admitted
  }

  func leave() {
    admitted -= 1
  }

  /// Requests in the server now, and how many of the workers are busy.
  var load: (admitted: Int, busy: Int) { (admitted, workerCount - idle.count) }

  /// Runs `job` on an idle worker, off the concurrency pool's threads (it blocks a core for
  /// the length of a prediction), after waiting for one when all are busy.
  func run<T: Sendable>(
    _ job: @escaping @Sendable (Worker) throws -> T
  ) async throws -> T {
    let worker = await checkOut()
    defer { checkIn(worker) }
    return try await withCheckedThrowingContinuation { continuation in
      DispatchQueue.global(qos: .userInitiated).async {
        continuation.resume(with: Result { try job(worker) })
      }
    }
  }

  private func checkOut() async -> Worker {
    if let worker = idle.popLast() { return worker }
    return await withCheckedContinuation { waiting.append($0) }
  }

  private func checkIn(_ worker: Worker) {
    if waiting.isEmpty {
      idle.append(worker)
    } else {
      waiting.removeFirst().resume(returning: worker)
    }
  }
}
