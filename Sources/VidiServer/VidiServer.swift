/// VidiServer: a trained Vidi model behind HTTP (`vidi serve`).
///
/// `POST /v1/predict` classifies a video sent as the request body or as multipart form data and
/// answers with the JSON of `vidi predict --json`; `GET /v1/model` describes the model,
/// `GET /healthz` says the server is up and `GET /` is a self-contained page for people.
/// Uploads stream into temporary files that are removed after use, and a fixed pool of workers
/// with a bounded queue keeps memory flat under load: a full server answers 503.

import Foundation
import Hummingbird
import Logging
import NIOCore
import Pipeline

/// A loaded model and its workers, ready to serve.
public struct VidiServer: Sendable {
  public let configuration: ServerConfiguration
  /// The model's name in responses: its folder name without `.vidi`.
  public let modelName: String
  let description: ModelDescription
  let pool: WorkerPool<VideoPredictor>

  /// Loads the model at `modelPath` and one backbone per worker from `models`.
  public init(
    modelPath: String, configuration: ServerConfiguration = ServerConfiguration(),
    models: ModelStore = ModelStore()
  ) throws {
    let model = try TrainedModel.load(from: URL(fileURLWithPath: modelPath))
    let predictors = try (0..<configuration.workers).map { _ in
      try VideoPredictor(
        model: model, modelPath: modelPath,
        request: FeatureRequest(precision: configuration.precision), cache: nil,
        threads: configuration.threadsPerWorker, models: models)
    }
    try FileManager.default.createDirectory(
      at: configuration.uploadDirectory, withIntermediateDirectories: true)
    self.configuration = configuration
    modelName = URL(fileURLWithPath: modelPath).deletingPathExtension().lastPathComponent
    description = ModelDescription(
      name: modelName, predictor: predictors[0], configuration: configuration)
    pool = WorkerPool(workers: predictors, queueLimit: configuration.queueLimit)
  }

  /// Serves until the task is cancelled or the process gets SIGINT or SIGTERM. `onListening`
  /// receives the bound port once the server accepts connections. With `logging`, each request
  /// and the server's start are logged to standard error.
  public func run(
    logging: Bool = true, onListening: @escaping @Sendable (Int) async -> Void = { _ in }
  ) async throws {
    var logger = Logger(label: "vidi-serve")
    logger.logLevel = logging ? .info : .critical
    let app = Application(
      router: router(),
      configuration: ApplicationConfiguration(
        address: .hostname(configuration.host, port: configuration.port), serverName: "vidi"),
      onServerRunning: { channel in await onListening(channel.localAddress?.port ?? 0) },
      logger: logger)
    do {
      try await app.runService()
    } catch let error as IOError {
      throw ListenError(error, host: configuration.host, port: configuration.port) ?? error
    }
  }

  func router() -> Router<BasicRequestContext> {
    let router = Router()
    router.add(middleware: JSONErrorMiddleware())
    router.get("/") { _, _ in
      Self.response(.ok, contentType: "text/html; charset=utf-8", body: Data(WebPage.html.utf8))
    }
    router.get("/healthz") { _, _ in
      let load = await pool.load
      return Self.json(.ok, Health(status: "ok", busy: load.busy, requests: load.admitted))
    }
    router.get("/v1/model") { _, _ in Self.json(.ok, description) }
    router.post("/v1/predict") { request, context in
      await predict(request, logger: context.logger)
    }
    router.get("/v1/predict") { _, _ in
      var response = Self.error(
        RequestError(
          .methodNotAllowed,
          "use POST with the video as the request body or as a multipart form file"))
      response.headers[.allow] = "POST"
      return response
    }
    return router
  }

  struct Health: Encodable, Sendable {
    var status: String
    /// Workers predicting now.
    var busy: Int
    /// Requests being received, waiting or predicting.
    var requests: Int
  }

  // MARK: Prediction

  func predict(_ request: Request, logger: Logger) async -> Response {
    let start = ContinuousClock.now
    let options: PredictOptions
    do {
      options = try PredictOptions(request.uri.queryParameters)
    } catch {
      return Self.error(error)
    }
    guard await pool.admit() else {
      return Self.error(
        RequestError(
          .serviceUnavailable,
          "the server is busy: \(configuration.workers) predictions running and "
            + "\(configuration.queueLimit) waiting; try again shortly"))
    }
    let response: Response
    do {
      let served = try await predict(request, options: options, start: start)
      let best = served.prediction.predictions.first?.label ?? "-"
      logger.info("\(served.prediction.video): \(best) in \(Int(served.timing.totalMs)) ms")
      response = Self.json(.ok, served)
    } catch {
      logger.info("predict: \(error)")
      response = Self.error(error)
    }
    await pool.leave()
    return response
  }

  private func predict(_ request: Request, options: PredictOptions, start: ContinuousClock.Instant)
    async throws -> ServedPrediction
  {
    let upload: Upload
    do {
      upload = try await Upload.receive(
        request.body, contentType: request.headers[.contentType],
        declaredLength: request.headers[.contentLength].flatMap { Int($0) }, name: options.name,
        limit: configuration.maxUploadBytes, directory: configuration.uploadDirectory)
    } catch {
      throw RequestError(error, limit: configuration.maxUploadBytes)
    }
    defer { upload.remove() }
    let received = ContinuousClock.now
    let (prediction, frames, started) = try await pool.run { predictor in
      let started = ContinuousClock.now
      do {
        let prediction = try predictor.predict(
          videoAt: upload.url, name: upload.name, flip: options.flip, topK: options.topK,
          timeline: options.timeline)
        let frames = try options.frames ? Self.thumbnails(upload, predictor.options) : nil
        return (prediction, frames, started)
      } catch {
        throw RequestError(error, video: upload.name)
      }
    }
    let end = ContinuousClock.now
    return ServedPrediction(
      prediction: prediction, model: modelName,
      timing: ServedPrediction.Timing(
        uploadMs: Self.milliseconds(received - start),
        queueMs: Self.milliseconds(started - received),
        predictMs: Self.milliseconds(end - started), totalMs: Self.milliseconds(end - start)),
      frames: frames)
  }

  /// The frames the model sees, as small PNGs.
  static func thumbnails(_ upload: Upload, _ options: FeatureOptions) throws -> [FrameThumbnail] {
    let batch = try VideoReader.read(
      upload.url, sampling: options.frameSampling, size: 96, bestEffort: true)
    return try (0..<batch.count).map {
      FrameThumbnail(
        frame: batch.frameIndices[$0], time: batch.timestamps[$0],
        png: try PNGEncoder.dataURL(RGBThumbnail(frame: batch, index: $0)))
    }
  }

  /// Whole milliseconds.
  static func milliseconds(_ duration: Duration) -> Double {
    let (seconds, attoseconds) = duration.components
    return (Double(seconds) * 1000 + Double(attoseconds) / 1e15).rounded()
  }

  // MARK: Responses

  static func json(_ status: HTTPResponse.Status, _ value: some Encodable) -> Response {
    do {
      return response(status, contentType: "application/json", body: try PrettyJSON.encode(value))
    } catch {
      return response(
        .internalServerError, contentType: "application/json",
        body: Data(#"{"error": "cannot encode the response", "status": 500}"#.utf8))
    }
  }

  static func error(_ error: any Error) -> Response {
    let failure = error as? RequestError ?? RequestError(error, video: nil)
    return json(
      failure.status, ErrorBody(error: failure.message, status: Int(failure.status.code)))
  }

  static func response(_ status: HTTPResponse.Status, contentType: String, body: Data) -> Response {
    Response(
      status: status, headers: [.contentType: contentType],
      body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
  }
}
