import Foundation

/// How a child ended.
enum Verdict: Hashable {
  /// Exit 0 with an answer.
  case answer
  /// Exit 1 with one line on standard error: what Vidi promises for bad input.
  case cleanError
  /// Any other exit status, or an error over several lines.
  case otherExit
  /// Killed by a signal (SIGILL for a Swift trap, SIGSEGV, SIGABRT...).
  case crash
  /// Still running at the timeout; killed.
  case hang
}

/// One mutant of one seed, run in its own process.
struct Job {
  let seed: Seed
  let number: Int
}

/// Counts per seed, and the mutants worth keeping (crashes, hangs, other exits).
final class Tally: @unchecked Sendable {
  // Guards everything below.
  private let lock = NSLock()
  private var counts: [String: [Verdict: Int]] = [:]
  private var findings: [String] = []
  private var done = 0

  func add(_ label: String, _ verdict: Verdict, finding: String?) -> Int {
    lock.withLock {
      counts[label, default: [:]][verdict, default: 0] += 1
      if let finding { findings.append(finding) }
      done += 1
      return done
    }
  }

  func count(_ label: String, _ verdict: Verdict) -> Int {
    lock.withLock { counts[label]?[verdict] ?? 0 }
  }

  var allFindings: [String] { lock.withLock { findings.sorted() } }
}

/// Builds mutants, runs each in a child process with a timeout and tallies how they ended.
struct Runner {
  let executable: URL
  let work: URL
  let findingsFolder: URL
  let timeout: Double
  let seedValue: UInt64

  func run(_ jobs: [Job], parallel: Int, tally: Tally) {
    let next = JobQueue(jobs)
    let group = DispatchGroup()
    for slot in 0..<parallel {
      group.enter()
      Thread {
        let folder = work.appendingPathComponent("slot-\(slot)")
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        while let job = next.pop() {
          let (verdict, finding) = runOne(job, in: folder)
          let done = tally.add(job.seed.label, verdict, finding: finding)
          if done % 250 == 0 || done == jobs.count { print("  \(done)/\(jobs.count) mutants run") }
        }
        group.leave()
      }.start()
    }
    group.wait()
  }

  private func runOne(_ job: Job, in folder: URL) -> (Verdict, String?) {
    var mutator = Mutator(
      random: Random(state: seedValue &+ Self.hash(job.seed.label) &+ UInt64(job.number) &* 7919))
    let path: URL
    do {
      path = try write(job.seed, mutator: &mutator, in: folder)
    } catch {
      return (.otherExit, "\(job.seed.label) #\(job.number): cannot write the mutant: \(error)")
    }
    defer { try? FileManager.default.removeItem(at: path) }
    let errors = folder.appendingPathComponent("stderr")
    let (status, signal, timedOut) = spawn(job.seed, path: path, stderr: errors)
    let message = (try? String(contentsOf: errors, encoding: .utf8)) ?? ""
    let lines = message.split(separator: "\n", omittingEmptySubsequences: true)
    let verdict: Verdict
    if timedOut {
      verdict = .hang
    } else if let signal {
      verdict = .crash
      _ = signal
    } else if status == 0 {
      verdict = .answer
    } else if status == 1 && lines.count == 1 {
      verdict = .cleanError
    } else {
      verdict = .otherExit
    }
    guard verdict == .crash || verdict == .hang || verdict == .otherExit else {
      return (verdict, nil)
    }
    let kept = findingsFolder.appendingPathComponent(
      "\(job.seed.label.replacingOccurrences(of: " ", with: "-").replacingOccurrences(of: "/", with: "-"))-\(job.number)"
        + (path.pathExtension.isEmpty ? "" : ".\(path.pathExtension)"))
    try? FileManager.default.removeItem(at: kept)
    try? FileManager.default.copyItem(at: path, to: kept)
    let what =
      timedOut ? "hang" : signal.map { "signal \($0)" } ?? "exit \(status), \(lines.count) lines"
    let first = lines.first.map { String($0.prefix(200)) } ?? ""
    return (verdict, "\(job.seed.label) #\(job.number): \(what): \(first) [\(kept.path)]")
  }

  /// Writes the mutant: a file, or a copy of the model folder with one file mutated.
  private func write(_ seed: Seed, mutator: inout Mutator, in folder: URL) throws -> URL {
    switch seed.content {
    case .file(let bytes, let ext):
      let allowed: [Mutation] =
        seed.kind == "checkpoint"
        ? [.flips, .truncation, .splice, .extremeInteger, .pickleInteger, .pickleInteger]
        : [.flips, .flips, .truncation, .splice, .extremeInteger]
      let url = folder.appendingPathComponent("mutant.\(ext)")
      try Data(mutator.mutate(bytes, focus: seed.focus, allowed: allowed)).write(to: url)
      return url
    case .folder(let files):
      let url = folder.appendingPathComponent("mutant.vidi")
      try? FileManager.default.removeItem(at: url)
      let names = files.keys.sorted()
      let victim = mutator.random.pick(names)
      for name in names {
        var bytes = files[name]!
        if name == victim { bytes = Self.mutateModelFile(name, bytes, &mutator) }
        let target = url.appendingPathComponent(name)
        try FileManager.default.createDirectory(
          at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: target)
      }
      return url
    }
  }

  /// config.json: mostly its numbers. weights.safetensors: half the time a number of its JSON
  /// header, with the header's length fixed up so the reader gets past it; else its bytes.
  static func mutateModelFile(_ name: String, _ bytes: [UInt8], _ mutator: inout Mutator) -> [UInt8]
  {
    if name.hasSuffix(".json") {
      return mutator.mutate(
        bytes, focus: 0..<bytes.count,
        allowed: [.jsonNumber, .jsonNumber, .jsonNumber, .flips, .truncation, .splice])
    }
    let headerLength =
      bytes.count >= 8
      ? Int(bytes[0..<8].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }) : 0
    let headerEnd = min(8 + max(headerLength, 0), bytes.count)
    if mutator.random.below(2) == 0, headerEnd > 8 {
      let header = Array(bytes[8..<headerEnd])
      let mutated = mutator.mutate(header, focus: 0..<header.count, allowed: [.jsonNumber])
      let length = UInt64(mutated.count)
      return (0..<8).map { UInt8(truncatingIfNeeded: length >> (8 * UInt64($0))) } + mutated
        + bytes[headerEnd...]
    }
    return mutator.mutate(
      bytes, focus: 0..<headerEnd, allowed: [.flips, .truncation, .splice, .extremeInteger])
  }

  /// Runs the child; its exit status, the signal that killed it, and whether it hung.
  private func spawn(_ seed: Seed, path: URL, stderr: URL) -> (Int32, Int32?, Bool) {
    let process = Process()
    process.executableURL = executable
    process.arguments = ["child", seed.kind, path.path] + (seed.backbone.map { [$0] } ?? [])
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = FileHandle.nullDevice
    _ = FileManager.default.createFile(atPath: stderr.path, contents: nil)
    process.standardError = try? FileHandle(forWritingTo: stderr)
    let finished = DispatchSemaphore(value: 0)
    process.terminationHandler = { _ in finished.signal() }
    do {
      try process.run()
    } catch {
      return (127, nil, false)
    }
    if finished.wait(timeout: .now() + timeout) == .timedOut {
      kill(process.processIdentifier, SIGKILL)
      finished.wait()
      return (-1, nil, true)
    }
    if process.terminationReason == .uncaughtSignal {
      return (-1, process.terminationStatus, false)
    }
    return (process.terminationStatus, nil, false)
  }

  static func hash(_ text: String) -> UInt64 {
    text.utf8.reduce(UInt64(1_469_598_103_934_665_603)) { ($0 ^ UInt64($1)) &* 1_099_511_628_211 }
  }
}

/// Hands out jobs to the worker threads.
final class JobQueue: @unchecked Sendable {
  // Guards `position`.
  private let lock = NSLock()
  private let jobs: [Job]
  private var position = 0

  init(_ jobs: [Job]) { self.jobs = jobs }

  func pop() -> Job? {
    lock.withLock {
      guard position < jobs.count else { return nil }
      defer { position += 1 }
      return jobs[position]
    }
  }
}
