import Backbones
import Foundation
import Pipeline
import Testing
import VideoIO
import VidiServer

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

/// A tiny model (frame-average over four EfficientNet-Lite0 frames, trained on random features:
/// what it answers does not matter here, only that the server answers) and a short synthetic
/// clip, written once per test run.
enum Fixtures {
  /// One folder per test run, so runs side by side do not wipe each other's files; removed when
  /// the run exits.
  static let folder: URL = {
    let url = FileManager.default.temporaryDirectory
      .appendingPathComponent("vidi-serve-tests-\(UUID().uuidString)")
    try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    atexit { try? FileManager.default.removeItem(at: Fixtures.folder) }
    return url
  }()
  static let classes = ["jump", "run", "wave"]
  static let options = FeatureOptions(backbone: .efficientnetLite0, frames: 4)

  static let model: URL = {
    var generator = SystemRandomNumberGenerator()
    let dimension = BackboneID.efficientnetLite0.spec.featureDimension
    let frames = options.frames
    let clips = classes.flatMap { label in
      (0..<4).map { index in
        ClipFeatures(
          path: "\(label)/\(index).mp4", label: label, split: .train, group: nil,
          view: .original, frameCount: frames, dimension: dimension,
          values: (0..<(frames * dimension)).map { _ in
            Float.random(in: -1...1, using: &generator)
          }, length: frames, frameIndices: Array(0..<frames))
      }
    }
    let url = folder.appendingPathComponent("tiny.vidi")
    let set = try! TrainingSet(clips: clips, validationFraction: 0, seed: 1)
    let trained = try! TrainingWorkflow.train(
      set, provenance: options.provenance,
      options: TrainingOptions(
        model: .model(.frameAverage), epochs: 1, validationFraction: 0, seed: 1, threads: 1))
    try! trained.save(to: url)
    return url
  }()

  /// Eight frames of 64×48 moving colour, MPEG-4 in an MP4 file.
  static let clip: URL = {
    let url = folder.appendingPathComponent("clip.mp4")
    let writer = try! VideoWriter(url: url, width: 64, height: 48)
    for frame in 0..<8 {
      var pixels = [UInt8](repeating: 0, count: 64 * 48 * 3)
      for y in 0..<48 {
        for x in 0..<64 {
          let offset = (y * 64 + x) * 3
          pixels[offset] = UInt8((x * 4 + frame * 20) & 255)
          pixels[offset + 1] = UInt8((y * 5) & 255)
          pixels[offset + 2] = UInt8((frame * 30) & 255)
        }
      }
      try! writer.append(pixels)
    }
    try! writer.finish()
    return url
  }()

  static var clipData: Data { try! Data(contentsOf: clip) }
}

/// A server on a free loopback port, running until `stop()`, with its own upload folder.
struct RunningServer {
  let port: Int
  let uploads: URL
  let task: Task<Void, any Error>

  static func start(_ configure: (inout ServerConfiguration) -> Void = { _ in }) async throws
    -> RunningServer
  {
    let uploads = Fixtures.folder.appendingPathComponent("uploads-\(UUID().uuidString)")
    var configuration = ServerConfiguration(
      port: 0, maxUploadBytes: 1 << 20, workers: 2, queueLimit: 4, threadsPerWorker: 1,
      uploadDirectory: uploads)
    configure(&configuration)
    let server = try VidiServer(
      modelPath: Fixtures.model.path, configuration: configuration,
      models: ModelStore())
    let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
    let task = Task {
      try await server.run(logging: false) { continuation.yield($0) }
    }
    var iterator = ports.makeAsyncIterator()
    let port = try #require(await iterator.next())
    return RunningServer(port: port, uploads: uploads, task: task)
  }

  func stop() async {
    task.cancel()
    _ = await task.result
  }

  func url(_ path: String) -> URL {
    URL(string: "http://127.0.0.1:\(port)\(path)")!
  }

  /// Files left in the upload folder.
  var leftovers: [String] {
    (try? FileManager.default.contentsOfDirectory(atPath: uploads.path)) ?? []
  }
}

/// An HTTP answer: status, content type and body.
struct Answer {
  var status: Int
  var contentType: String
  var body: Data

  var text: String { String(decoding: body, as: UTF8.self) }

  /// The body as a JSON object.
  func json() throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any])
  }
}

/// Requests through URLSession: a real HTTP client over loopback.
enum HTTP {
  static let session: URLSession = {
    let configuration = URLSessionConfiguration.ephemeral
    configuration.httpMaximumConnectionsPerHost = 16
    configuration.timeoutIntervalForRequest = 60
    return URLSession(configuration: configuration)
  }()

  static func get(_ url: URL) async throws -> Answer {
    try await send(URLRequest(url: url))
  }

  static func post(_ url: URL, body: Data, contentType: String = "application/octet-stream")
    async throws -> Answer
  {
    var request = URLRequest(url: url)
    request.httpMethod = "POST"
    request.setValue(contentType, forHTTPHeaderField: "Content-Type")
    request.httpBody = body
    return try await send(request)
  }

  /// `file` as the form field `video`, after a plain text field.
  static func postForm(_ url: URL, file: Data, filename: String) async throws -> Answer {
    let boundary = "vidi-test-\(UUID().uuidString)"
    var body = Data()
    body.append(
      Data(
        ("--\(boundary)\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n"
          + "--\(boundary)\r\nContent-Disposition: form-data; name=\"video\"; "
          + "filename=\"\(filename)\"\r\nContent-Type: video/mp4\r\n\r\n").utf8))
    body.append(file)
    body.append(Data("\r\n--\(boundary)--\r\n".utf8))
    return try await post(
      url, body: body, contentType: "multipart/form-data; boundary=\(boundary)")
  }

  static func send(_ request: URLRequest) async throws -> Answer {
    let (data, response) = try await session.data(for: request)
    let http = try #require(response as? HTTPURLResponse)
    return Answer(
      status: http.statusCode,
      contentType: http.value(forHTTPHeaderField: "Content-Type") ?? "", body: data)
  }
}
