/// VidiServer: a trained Vidi model behind HTTP (`vidi serve`).
///
/// `POST /v1/predict` classifies a video sent as the request body or as multipart form data and
/// answers with the JSON of `vidi predict --json`; `GET /v1/model` describes the model,
/// `GET /healthz` says the server is up and `GET /` is a self-contained page for people.
/// Uploads stream into temporary files that are removed after use, and a fixed pool of workers
/// with a bounded queue keeps memory flat under load: a full server answers 503. A request
/// takes its place in the queue only once its upload is whole, and uploads that arrive too
/// slowly are cut off (408), so slow clients cannot lock others out.

import Backbones
import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import Pipeline
import Reporting
import SequenceModels

/// A loaded model and its workers, ready to serve.
public struct VidiServer: Sendable {
  public let configuration: ServerConfiguration
  /// The model's name in responses: its folder name without `.vidi`.
  public let modelName: String
  let description: ModelDescription
  let pool: WorkerPool<VideoPredictor>
  /// Uploads being received.
  let uploads: Gauge

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
    uploads = Gauge()
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
      server: .http1(
        configuration: HTTP1Channel.Configuration(
          idleTimeout: .nanoseconds(Self.nanoseconds(configuration.idleTimeout)))),
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

  func router() -> Router<ConnectionContext> {
    let router = Router(context: ConnectionContext.self)
    router.add(middleware: JSONErrorMiddleware())
    router.get("/") { _, _ in
      Self.response(.ok, contentType: "text/html; charset=utf-8", body: Data(WebPage.html.utf8))
    }
    router.get("/healthz") { _, _ in
      let load = await pool.load
      return Self.json(
        .ok,
        Health(status: "ok", busy: load.busy, requests: load.admitted, uploads: await uploads.value)
      )
    }
    router.get("/v1/model") { _, _ in Self.json(.ok, description) }
    router.post("/v1/predict") { request, context in
      await predict(request, context: context)
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
    /// Requests waiting for a worker or predicting.
    var requests: Int
    /// Uploads being received (they hold no place yet).
    var uploads: Int
  }

  static func nanoseconds(_ duration: Duration) -> Int64 {
    let (seconds, attoseconds) = duration.components
    return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
  }

  // MARK: Prediction

  func predict(_ request: Request, context: ConnectionContext) async -> Response {
    let start = ContinuousClock.now
    let logger = context.logger
    let options: PredictOptions
    let upload: Upload
    do {
      options = try PredictOptions(request.uri.queryParameters)
      upload = try await receive(request, name: options.name, closeInput: context.closeInput)
    } catch {
      logger.info("predict: \(error)")
      return Self.error(error)
    }
    defer { upload.remove() }
    let received = ContinuousClock.now
    if case .full(let running, let waiting) = await pool.admit() {
      return Self.error(Self.busy(running: running, waiting: waiting))
    }
    let response: Response
    do {
      let served = try await predict(upload, options: options, start: start, received: received)
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

  /// Says what is true of a full server: what runs and waits now, and the options that bound it.
  static func busy(running: Int, waiting: Int) -> RequestError {
    RequestError(
      .serviceUnavailable,
      "the server is busy: \(running) \(running == 1 ? "prediction" : "predictions") running "
        + "and \(waiting) waiting (vidi serve --workers, --queue); try again shortly")
  }

  /// Stores the request's body under the upload deadline: a client that falls behind it has
  /// its connection's input closed, which ends the body, and gets 408.
  private func receive(
    _ request: Request, name: String?, closeInput: @escaping @Sendable () -> Void
  ) async throws -> Upload {
    let watch = UploadWatch(configuration.uploadDeadline)
    let watcher = Task { await watch.watch(cutOff: closeInput) }
    await uploads.add(1)
    let result: Result<Upload, UploadError>
    do {
      result = .success(
        try await Upload.receive(
          request.body, contentType: request.headers[.contentType],
          declaredLength: request.headers[.contentLength].flatMap { Int($0) }, name: name,
          limit: configuration.maxUploadBytes, directory: configuration.uploadDirectory,
          progress: watch.add))
    } catch {
      result = .failure(error)
    }
    watcher.cancel()
    await uploads.add(-1)
    switch result {
    case .success(let upload):
      return upload
    case .failure(let error):
      let reason: UploadError =
        watch.expired ? .tooSlow(received: watch.bytes, seconds: watch.elapsed) : error
      throw RequestError(
        reason, limit: configuration.maxUploadBytes, deadline: configuration.uploadDeadline)
    }
  }

  private func predict(
    _ upload: Upload, options: PredictOptions, start: ContinuousClock.Instant,
    received: ContinuousClock.Instant
  ) async throws -> ServedPrediction {
    let (prediction, frames, segments, started) = try await pool.run { predictor in
      let started = ContinuousClock.now
      do {
        let rule = options.reject.rule(for: predictor.model)
        guard options.segments else {
          let prediction = try predictor.predict(
            videoAt: upload.url, name: upload.name, flip: options.flip, topK: options.topK,
            timeline: options.timeline
          ).rejecting(rule)
          let frames =
            try options.frames
            ? Self.thumbnails(
              ReportFrameStrip(
                videoAt: upload.url, path: upload.name,
                sampling: predictor.options.frameSampling, size: Self.thumbnailSize))
            : nil
          return (prediction, frames, nil as VideoSegments?, started)
        }
        // The clip answer, the segments and the thumbnails from one decode of the upload.
        let found = try predictor.predictWithSegments(
          videoAt: upload.url, name: upload.name, flip: options.flip, topK: options.topK,
          timeline: options.timeline, plan: WindowPlan(model: predictor.model),
          smoother: SegmentSmoother(
            classes: predictor.model.classes,
            rejection: options.reject.rule(for: predictor.model, windows: true)),
          thumbnailSize: options.frames ? Self.thumbnailSize : nil)
        return (
          found.prediction.rejecting(rule), try found.thumbnails.map(Self.thumbnails),
          found.segments, started
        )
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
      frames: frames, segments: segments)
  }

  /// Side of the thumbnails of `frames=1`, in pixels.
  static let thumbnailSize = 96

  /// The frames the model sees, as small PNGs.
  static func thumbnails(_ strip: ReportFrameStrip) throws -> [FrameThumbnail] {
    try zip(strip.frames, zip(strip.frameIndices, strip.times)).map { frame, place in
      FrameThumbnail(frame: place.0, time: place.1, png: try PNGEncoder.dataURL(frame))
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
      return response(
        status, contentType: "application/json",
        body: try PrettyJSON.encode(value, keys: .convertToSnakeCase))
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

/// Hummingbird's request context plus a way to close the request's connection for reading,
/// which the upload deadline needs.
struct ConnectionContext: RequestContext {
  var coreContext: CoreRequestContextStorage
  let closeInput: @Sendable () -> Void

  init(source: ApplicationRequestContextSource) {
    coreContext = CoreRequestContextStorage(source: source)
    let channel = source.channel
    closeInput = { channel.close(mode: .input, promise: nil) }
  }
}

/// A count shared by concurrent requests.
actor Gauge {
  private(set) var value = 0

  func add(_ change: Int) {
    value += change
  }
}
