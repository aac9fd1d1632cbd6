// vidi-fuzz: mutated videos, checkpoints and model folders fed to the code that reads them, each
// in a child process with a timeout, with counts of answers, clean errors, crashes and hangs.
//
//     vidi-fuzz run [--count N] [--kinds video,checkpoint,model] [--jobs J] [--timeout S]
//                   [--seed S] [--out DIR]
//     vidi-fuzz child video|checkpoint|model PATH [BACKBONE]      (one mutant; used by run)
//
// `run` makes its seeds (three short clips: AVI/MPEG-4, MP4/H.264, MKV/VP8; both backbones'
// published checkpoints from the model store; two tiny trained .vidi models), then N mutants of
// each video seed and N checkpoints and N model folders in all, spread over their seeds. A
// mutant is one or two of: random bytes, a cut, a splice, an extreme integer, a pickle integer
// made huge (shapes like (2^32, 2^32), strides of 2^62), a JSON number made absurd. Crashes,
// hangs and other exits are kept in DIR/findings with the first line of their output.

import Foundation

let arguments = Array(CommandLine.arguments.dropFirst())

func option(_ name: String, _ fallback: String) -> String {
  guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else {
    return fallback
  }
  return arguments[index + 1]
}

func fail(_ message: String) -> Never {
  FileHandle.standardError.write(Data("vidi-fuzz: \(message)\n".utf8))
  exit(2)
}

switch arguments.first {
case "child":
  guard arguments.count >= 3 else { fail("child needs a kind and a path") }
  // A crafted size must fail as an error, not take the machine's memory: beyond 4 GiB an
  // allocation fails, which Swift turns into a trap (counted as a crash).
  var limit = rlimit(rlim_cur: 4 << 30, rlim_max: 4 << 30)
  setrlimit(Int32(RLIMIT_AS.rawValue), &limit)
  exit(
    Child.run(
      kind: arguments[1], path: arguments[2], backbone: arguments.count > 3 ? arguments[3] : nil))
case "run":
  guard let count = Int(option("--count", "1000")), count > 0,
    let parallel = Int(option("--jobs", "2")), parallel > 0,
    let timeout = Double(option("--timeout", "60")), timeout > 0,
    let seedValue = UInt64(option("--seed", "1"))
  else { fail("--count, --jobs, --timeout and --seed take positive numbers") }
  let kinds = Set(
    option("--kinds", "video,checkpoint,model").split(separator: ",").map(String.init))
  let out = URL(fileURLWithPath: option("--out", "bench/out/fuzz"))
  let seedsFolder = out.appendingPathComponent("seeds")
  let findings = out.appendingPathComponent("findings")
  let work = out.appendingPathComponent("work")
  for folder in [seedsFolder, findings, work] {
    try? FileManager.default.removeItem(at: folder)
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
  }

  var jobs: [Job] = []
  var labels: [String] = []
  func add(_ seeds: [Seed], total: Int?) {
    for (index, seed) in seeds.enumerated() {
      // `total` mutants spread over the seeds, else `count` of each.
      let share = total.map { $0 / seeds.count + (index < $0 % seeds.count ? 1 : 0) } ?? count
      labels.append(seed.label)
      jobs += (0..<share).map { Job(seed: seed, number: $0) }
    }
  }
  do {
    if kinds.contains("video") { add(try Seeds.videos(in: seedsFolder), total: nil) }
    if kinds.contains("checkpoint") { add(try Seeds.checkpoints(), total: count) }
    if kinds.contains("model") { add(try Seeds.models(in: seedsFolder), total: count) }
  } catch {
    fail("cannot make the seeds: \(error)")
  }
  guard let executable = Bundle.main.executableURL else { fail("cannot find my own executable") }
  print("vidi-fuzz: \(jobs.count) mutants, \(parallel) at a time, timeout \(Int(timeout)) s")
  let start = Date()
  let tally = Tally()
  Runner(
    executable: executable, work: work, findingsFolder: findings, timeout: timeout,
    seedValue: seedValue
  )
  .run(jobs, parallel: parallel, tally: tally)

  let columns: [(String, Verdict)] = [
    ("answers", .answer), ("clean errors", .cleanError), ("other exits", .otherExit),
    ("crashes", .crash), ("hangs", .hang),
  ]
  let width = max(28, (labels.map(\.count).max() ?? 0) + 2)
  func pad(_ text: String, _ count: Int) -> String {
    text + String(repeating: " ", count: max(0, count - text.count))
  }
  print(pad("seed", width) + pad("mutants", 9) + columns.map { pad($0.0, 14) }.joined())
  for label in labels {
    let counts = columns.map { tally.count(label, $0.1) }
    print(
      pad(label, width) + pad("\(counts.reduce(0, +))", 9)
        + counts.map { pad("\($0)", 14) }.joined())
  }
  print(String(format: "%.0f s", Date().timeIntervalSince(start)))
  let found = tally.allFindings
  if !found.isEmpty {
    print("\nFindings (kept in \(findings.path)):")
    for line in found { print("  \(line)") }
  }
  try? FileManager.default.removeItem(at: work)
  exit(
    columns.dropFirst(2).contains { column in labels.contains { tally.count($0, column.1) > 0 } }
      ? 1 : 0)
default:
  fail(
    "usage: vidi-fuzz run [--count N] [--kinds video,checkpoint,model] [--jobs J] [--timeout S] [--seed S] [--out DIR]"
  )
}
