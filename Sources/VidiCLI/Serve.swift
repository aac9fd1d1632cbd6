import ArgumentParser
import Foundation
import Pipeline
import VidiServer

/// `vidi serve`: a trained model behind HTTP, with a web page.
struct Serve: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Serve a trained model over HTTP, with a web page for people.",
    discussion: """
      POST /v1/predict takes a video as the request body or as multipart form data and answers \
      with the JSON of `vidi predict --json`, plus the model's name and timings. Query options: \
      top_k=N|all, timeline=1, tta=flip, frames=1 (the sampled frames as PNG data URLs), \
      name=FILE (a raw body's file name). GET /v1/model describes the model, GET /healthz \
      answers when the server is up, GET / is a page to drop a video on.

      Uploads stream into temporary files removed after use. A request queues only once its \
      upload is whole: --workers predictions run at once and --queue requests may wait; more \
      get 503. Uploads slower than --min-upload-kbps on average (after --idle-timeout) or \
      longer than --upload-timeout are cut off with 408, and idle connections are closed. \
      Stop the server with Ctrl-C.

      Examples:
        vidi serve ucf101.vidi
        curl --data-binary @clip.avi 'http://127.0.0.1:8080/v1/predict?name=clip.avi'
        curl -F video=@clip.avi 'http://127.0.0.1:8080/v1/predict?timeline=1'
      """)

  @Argument(help: "The model folder written by `vidi train`.")
  var model: String

  @Option(help: "Address to listen on (0.0.0.0 for every interface).")
  var host = "127.0.0.1"

  @Option(help: "Port to listen on (0 picks a free one).")
  var port = 8080

  @Option(help: "Largest upload accepted, in megabytes; larger ones get 413.")
  var maxUploadMb = 200

  @Option(help: "Predictions that run at the same time.")
  var workers = 2

  @Option(help: "Requests that may wait for a worker; more get 503.")
  var queue = 8

  @Option(help: "Cores each worker uses (default: all cores shared among the workers).")
  var threads: Int?

  @OptionGroup var precisionOption: PrecisionOption

  @Option(help: "Seconds a connection may stay silent before it is closed.")
  var idleTimeout = 20

  @Option(help: "Seconds within which a whole upload must arrive.")
  var uploadTimeout = 600

  @Option(help: "Slowest average upload rate accepted, in kilobytes per second.")
  var minUploadKbps = 16

  /// Each numeric option's value and range: wide enough for any real deployment, narrow
  /// enough that the byte counts and allocations made from them cannot overflow or exhaust
  /// memory.
  var ranges: [(name: String, value: Int, range: ClosedRange<Int>)] {
    [
      ("--port", port, 0...65535),
      ("--max-upload-mb", maxUploadMb, 1...(1 << 20)),
      ("--workers", workers, 1...256),
      ("--queue", queue, 0...100_000),
      ("--threads", threads ?? 1, 1...1024),
      ("--idle-timeout", idleTimeout, 1...86_400),
      ("--upload-timeout", uploadTimeout, 1...86_400),
      ("--min-upload-kbps", minUploadKbps, 1...(1 << 20)),
    ]
  }

  func validate() throws {
    for (name, value, range) in ranges where !range.contains(value) {
      throw ValidationError("\(name) must be \(range.lowerBound)…\(range.upperBound).")
    }
  }

  func run() async throws {
    if let mixUp = ArgumentCheck.modelMixUp(model: model, usage: "vidi serve MODEL") {
      Console.failure(mixUp)
      throw ExitCode.failure
    }
    let server: VidiServer
    let precision = try precisionOption.resolved()
    do {
      server = try VidiServer(
        modelPath: model,
        configuration: ServerConfiguration(
          host: host, port: port, maxUploadBytes: maxUploadMb << 20, workers: workers,
          queueLimit: queue, threadsPerWorker: threads, precision: precision,
          idleTimeout: .seconds(idleTimeout), uploadTimeout: .seconds(uploadTimeout),
          minimumUploadRate: minUploadKbps << 10))
    } catch {
      Console.failure("\(error)")
      throw ExitCode.failure
    }
    let host = host
    do {
      try await server.run { port in
        Console.line("vidi: serving \(server.modelName) on http://\(host):\(port)/")
      }
    } catch let error as ListenError {
      Console.failure("\(error)")
      throw ExitCode.failure
    } catch {
      Console.failure("cannot serve on \(host):\(port): \(error)")
      throw ExitCode.failure
    }
  }
}
