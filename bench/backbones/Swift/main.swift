/// Throughput of Vidi's frame encoders, one JSON object per (backbone, batch), for
/// `bench/backbones/run.sh`, which runs ONNX Runtime on the same weights beside it.
///
///     VidiBenchBackbones --backbone ID [--batches 1,8,32] [--seconds S] [--threads T]
///                        [--precision f32|bf16]
///     VidiBenchBackbones --sgemm [--threads T]
import Backbones
import Foundation
import NumericCore

struct Options {
  var backbone = BackboneID.default
  var batches = [1, 8, 32]
  var seconds = 3.0
  var threads = ProcessInfo.processInfo.activeProcessorCount
  var sgemm = false
  var precision = Precision.f32

  init(_ arguments: [String]) throws {
    var rest = arguments[...]
    func value(_ flag: String) throws -> String {
      guard let next = rest.popFirst() else { throw BenchError("\(flag) needs a value") }
      return next
    }
    while let flag = rest.popFirst() {
      switch flag {
      case "--backbone":
        let name = try value(flag)
        guard let id = BackboneID(rawValue: name) else {
          throw BenchError("unknown backbone \(name)")
        }
        backbone = id
      case "--batches": batches = try value(flag).split(separator: ",").compactMap { Int($0) }
      case "--seconds": seconds = Double(try value(flag)) ?? seconds
      case "--threads": threads = Int(try value(flag)) ?? threads
      case "--sgemm": sgemm = true
      case "--precision":
        let name = try value(flag)
        guard let chosen = Precision(rawValue: name), chosen.isSupported else {
          throw BenchError("precision \(name) is unknown or not supported by this CPU")
        }
        precision = chosen
      default: throw BenchError("unknown argument \(flag)")
      }
    }
  }
}

struct BenchError: Error, CustomStringConvertible {
  let description: String
  init(_ description: String) { self.description = description }
}

/// The machine's single-precision matrix-product rate through the platform BLAS (2048³,
/// median of 9), the ceiling the backbones' GFLOP/s are compared against.
func sgemmGigaflops(threads: Int) -> Double {
  let n = 2048
  BLAS.setThreadCount(threads)
  let a = AlignedBuffer((0..<(n * n)).map { Float($0 % 17) * 0.01 })
  let b = AlignedBuffer((0..<(n * n)).map { Float($0 % 13) * 0.01 })
  let c = AlignedBuffer(count: n * n)
  let clock = ContinuousClock()
  var rates: [Double] = []
  for _ in 0..<10 {
    let elapsed = clock.measure {
      BLAS.sgemm(m: n, n: n, k: n, a: a.pointer, lda: n, b: b.pointer, ldb: n, c: c.pointer, ldc: n)
    }
    let seconds =
      Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    rates.append(2 * Double(n * n * n) / seconds / 1e9)
  }
  return rates.dropFirst().sorted()[4]
}

/// User plus system time of this process so far.
func processorSeconds() -> Double {
  var usage = rusage()
  #if os(Linux)
    getrusage(RUSAGE_SELF.rawValue, &usage)
  #else
    getrusage(RUSAGE_SELF, &usage)
  #endif
  func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) * 1e-6 }
  return seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

/// Writes one JSON line, unbuffered, so the runner sees each result as it comes.
func emit(_ object: [String: Any]) {
  let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
  FileHandle.standardOutput.write(data + Data("\n".utf8))
}

do {
  let options = try Options(Array(CommandLine.arguments.dropFirst()))
  if options.sgemm {
    emit(["sgemm_gflops": sgemmGigaflops(threads: options.threads), "threads": options.threads])
    exit(0)
  }
  let encoder = try FrameEncoder(
    backbone: options.backbone, threads: options.threads, precision: options.precision)
  for batch in options.batches {
    let cpuBefore = processorSeconds()
    let result = Throughput.measure(encoder, batch: batch, seconds: options.seconds)
    let cpu = processorSeconds() - cpuBefore
    emit([
      "runtime": "vidi", "precision": options.precision.rawValue,
      "backbone": options.backbone.rawValue, "batch": batch,
      "frames_per_second": result.framesPerSecond, "threads": result.threads,
      "calls": result.calls,
      "gflops": result.gigaflops(multiplyAddsPerFrame: encoder.multiplyAddsPerFrame),
      // Counts the warm-up call too; on a busy machine this, unlike the wall-clock rate,
      // shows what the work itself costs.
      "cpu_ms_per_frame": cpu * 1000 / Double(batch * (result.calls + 1)),
    ])
  }
} catch {
  FileHandle.standardError.write(Data("VidiBenchBackbones: \(error)\n".utf8))
  exit(1)
}
