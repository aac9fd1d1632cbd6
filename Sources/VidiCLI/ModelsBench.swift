import ArgumentParser
import Backbones
import Foundation
import NumericCore
import Pipeline

/// `vidi models bench`: a backbone's throughput on this machine, for sizing extraction jobs.
struct ModelsBench: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "bench",
    abstract: "Measure a backbone's frames per second on this machine.",
    discussion: """
      Encodes batches of random frames of the backbone's input size for about --seconds after \
      one warm-up call and reports the median call's rate. `vidi extract` encodes 20 frames \
      per clip by default, so clips per second on one process is about frames_per_second / 20 \
      (decoding runs on its own thread alongside). --precision bf16 (the auto choice on CPUs \
      with AVX512-BF16) runs the 1x1 convolutions in bfloat16; compare with --precision f32.

      Examples:
        vidi models bench efficientnet-lite0 --batch 32
        vidi models bench mobilenet-v2 --precision f32 --json
      """)

  @Argument(help: "The backbone to measure.")
  var backbone: BackboneID = .default

  @Option(help: "Frames per encoder call.")
  var batch = 8

  @Option(help: "How long to measure, after the warm-up.")
  var seconds = 3.0

  @Option(help: "Worker threads (default: one per core).")
  var threads: Int?

  @OptionGroup var precisionOption: PrecisionOption

  @Flag(help: "Print JSON instead of text.")
  var json = false

  func validate() throws {
    guard batch >= 1 else { throw ValidationError("--batch must be at least 1, got \(batch)") }
    guard seconds > 0 else { throw ValidationError("--seconds must be positive, got \(seconds)") }
    if let threads, threads < 1 {
      throw ValidationError("--threads must be at least 1, got \(threads)")
    }
  }

  func run() throws {
    let precision = try precisionOption.resolved()
    let encoder = try FrameEncoder(backbone: backbone, threads: threads, precision: precision)
    if !json {
      Console.line(
        "Measuring \(backbone.rawValue) (\(precision.rawValue)) at batch \(batch) on "
          + "\(encoder.threads) thread(s) for \(seconds) s...")
    }
    let throughput = Throughput.measure(encoder, batch: batch, seconds: seconds)
    let report = Report(
      throughput: throughput, precision: precision,
      gigaflops: throughput.gigaflops(multiplyAddsPerFrame: encoder.multiplyAddsPerFrame))
    if json {
      print(try PrettyJSON.string(report, keys: .convertToSnakeCase))
    } else {
      print(
        String(
          format:
            "%@ %@: %.1f frames/s at batch %d on %d thread(s), %.1f GFLOP/s (median of %d calls)",
          report.backbone, report.precision, report.framesPerSecond, report.batch, report.threads,
          report.gigaflops,
          report.calls))
    }
  }

  private struct Report: Encodable {
    var backbone: String
    var precision: String
    var batch: Int
    var framesPerSecond: Double
    var threads: Int
    var gigaflops: Double
    var calls: Int

    init(throughput: Throughput, precision: Precision, gigaflops: Double) {
      backbone = throughput.backbone.rawValue
      self.precision = precision.rawValue
      batch = throughput.batch
      framesPerSecond = throughput.framesPerSecond
      threads = throughput.threads
      self.gigaflops = gigaflops
      calls = throughput.calls
    }
  }
}
