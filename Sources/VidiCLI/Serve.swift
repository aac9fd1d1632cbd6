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

      Uploads stream into temporary files removed after use. --workers predictions run at \
      once and --queue requests may wait; more get 503. Stop the server with Ctrl-C.

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

  func validate() throws {
    guard (0...65535).contains(port) else { throw ValidationError("--port must be 0…65535.") }
    guard maxUploadMb >= 1 else { throw ValidationError("--max-upload-mb must be at least 1.") }
    guard workers >= 1 else { throw ValidationError("--workers must be at least 1.") }
    guard queue >= 0 else { throw ValidationError("--queue must be at least 0.") }
    if let threads, threads < 1 { throw ValidationError("--threads must be at least 1.") }
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
          queueLimit: queue, threadsPerWorker: threads, precision: precision))
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
