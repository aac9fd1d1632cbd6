import Foundation
import Pipeline
import Testing
import VidiServer

#if canImport(Glibc)
  import Glibc
#endif

@Suite struct VidiServerTests {
  @Test func healthModelAndPage() async throws {
    let server = try await RunningServer.start()
    let health = try await HTTP.get(server.url("/healthz"))
    #expect(health.status == 200)
    #expect(try health.json()["status"] as? String == "ok")

    let model = try await HTTP.get(server.url("/v1/model"))
    #expect(model.status == 200)
    #expect(model.contentType.hasPrefix("application/json"))
    let description = try model.json()
    #expect(description["name"] as? String == "tiny")
    #expect(description["classes"] as? [String] == Fixtures.classes)
    #expect(description["backbone"] as? String == "efficientnet-lite0")
    let sampling = try #require(description["sampling"] as? [String: Any])
    #expect(sampling["frames"] as? Int == 4)
    #expect(sampling["mode"] as? String == "uniform")
    let training = try #require(description["training"] as? [String: Any])
    #expect(training["training_clips"] as? Int == 12)
    #expect(description["has_timeline"] as? Bool == true)

    let page = try await HTTP.get(server.url("/"))
    #expect(page.status == 200)
    #expect(page.contentType.hasPrefix("text/html"))
    for part in ["<form", "type=\"file\"", "<video", "/v1/predict", "/v1/model"] {
      #expect(page.text.contains(part), "the page lacks \(part)")
    }
    for external in ["src=\"http", "href=\"http", "url(http", "@import", "src=\"//"] {
      #expect(!page.text.contains(external), "the page loads an external asset: \(external)")
    }
    await server.stop()
  }

  @Test func unknownPathsAndWrongMethodsGetJSONErrors() async throws {
    let server = try await RunningServer.start()
    let missing = try await HTTP.get(server.url("/no/such/page"))
    #expect(missing.status == 404)
    #expect(missing.contentType.hasPrefix("application/json"))
    #expect((try missing.json()["error"] as? String)?.contains("/no/such/page") == true)
    #expect(try missing.json()["status"] as? Int == 404)

    let getPredict = try await HTTP.get(server.url("/v1/predict"))
    #expect(getPredict.status == 405)
    #expect((try getPredict.json()["error"] as? String)?.contains("POST") == true)

    let favicon = try await HTTP.get(server.url("/favicon.ico"))
    #expect(favicon.status == 404 && favicon.contentType.hasPrefix("application/json"))
    await server.stop()
  }

  /// The page's behaviour that its text can show: it asks for no favicon, clears the results
  /// on a new pick and on an error, names the clip, lists the model's classes, wraps the frames
  /// in a grid and labels the timeline in seconds.
  @Test func pageClearsStaleResultsAndNamesTheClip() async throws {
    let server = try await RunningServer.start()
    let page = try await HTTP.get(server.url("/")).text
    #expect(page.contains("<link rel=\"icon\" href=\"data:,\">"))
    #expect(page.contains("function clear("))
    #expect(page.components(separatedBy: "clear(\"").count - 1 >= 3, "pick, send and error clear")
    #expect(page.contains("ticket !== asked"), "a late answer for another clip is dropped")
    #expect(page.contains("id=\"clip\"") && page.contains("result.video"))
    #expect(page.contains("m.classes.map"))
    #expect(page.contains("grid-template-columns: repeat(auto-fill"))
    #expect(!page.contains("overflow-x: auto"))
    #expect(page.contains("r.time.toFixed(1)"))

    let answer = try await HTTP.post(
      server.url("/v1/predict?name=clip.mp4&timeline=1"), body: Fixtures.clipData)
    let timeline = try #require(try answer.json()["timeline"] as? [[String: Any]])
    let times = timeline.compactMap { $0["time"] as? Double }
    #expect(times.count == timeline.count)
    #expect(times == times.sorted() && (times.last ?? 0) > 0)
    await server.stop()
  }

  @Test func aPortInUseIsOneClearLine() async throws {
    let first = try await RunningServer.start()
    let second = try VidiServer(
      modelPath: Fixtures.model.path,
      configuration: ServerConfiguration(
        port: first.port, workers: 1, queueLimit: 1, threadsPerWorker: 1,
        uploadDirectory: first.uploads))
    do {
      try await second.run(logging: false)
      Issue.record("a second server bound port \(first.port)")
    } catch {
      #expect(
        "\(error)".hasPrefix("port \(first.port) on 127.0.0.1 is already in use"), "\(error)")
    }
    await first.stop()
  }

  @Test func classifiesARawBodyAndAFormUploadAlike() async throws {
    let server = try await RunningServer.start()
    let raw = try await HTTP.post(
      server.url("/v1/predict?name=clip.mp4&timeline=1&frames=1&top_k=all"),
      body: Fixtures.clipData)
    #expect(raw.status == 200, "\(raw.text)")
    let result = try raw.json()
    #expect(result["video"] as? String == "clip.mp4")
    #expect(result["model"] as? String == "tiny")
    let predictions = try #require(result["predictions"] as? [[String: Any]])
    #expect(Set(predictions.compactMap { $0["label"] as? String }) == Set(Fixtures.classes))
    let total = predictions.compactMap { $0["probability"] as? Double }.reduce(0, +)
    #expect(abs(total - 1) < 1e-3)
    let timing = try #require(result["timing"] as? [String: Any])
    #expect((timing["total_ms"] as? Double ?? -1) >= 0)
    let timeline = try #require(result["timeline"] as? [[String: Any]])
    #expect(timeline.count == 4)
    let frames = try #require(result["frames"] as? [[String: Any]])
    #expect(frames.count == 4)
    #expect((frames.first?["png"] as? String)?.hasPrefix("data:image/png;base64,") == true)

    let form = try await HTTP.postForm(
      server.url("/v1/predict?top_k=2"), file: Fixtures.clipData, filename: "dir/form clip.mp4")
    #expect(form.status == 200, "\(form.text)")
    let formResult = try form.json()
    #expect(formResult["video"] as? String == "form clip.mp4")
    let formPredictions = try #require(formResult["predictions"] as? [[String: Any]])
    #expect(formPredictions.count == 2)
    #expect(formPredictions[0]["label"] as? String == predictions[0]["label"] as? String)
    #expect(formResult["timeline"] == nil && formResult["frames"] == nil)
    #expect(server.leftovers.isEmpty)
    await server.stop()
  }

  /// With `segments=1` the upload is decoded once for everything (counted in
  /// SegmentedPredictionTests); the clip answer and the frames are those of a plain request.
  @Test func segmentsComeWithThePlainRequestsAnswerAndFrames() async throws {
    let server = try await RunningServer.start()
    let query = "/v1/predict?name=clip.mp4&top_k=all&frames=1&reject=none"
    let plain = try await HTTP.post(server.url(query), body: Fixtures.clipData).json()
    let answer = try await HTTP.post(server.url(query + "&segments=1"), body: Fixtures.clipData)
    #expect(answer.status == 200, "\(answer.text)")
    let both = try answer.json()
    #expect(both["segments"] is [String: Any] && plain["segments"] == nil)
    let expected = try #require(plain["predictions"] as? [[String: Any]])
    let found = try #require(both["predictions"] as? [[String: Any]])
    #expect(found.map { $0["label"] as? String } == expected.map { $0["label"] as? String })
    for (a, b) in zip(found, expected) {
      let (p, q) = (a["probability"] as? Double ?? -1, b["probability"] as? Double ?? 1)
      #expect(abs(p - q) < 1e-5)
    }
    let frames = try #require(both["frames"] as? [[String: Any]])
    let plainFrames = try #require(plain["frames"] as? [[String: Any]])
    #expect(frames.count == plainFrames.count && !frames.isEmpty)
    for (a, b) in zip(frames, plainFrames) {
      #expect(a["frame"] as? Int == b["frame"] as? Int)
      #expect(a["png"] as? String == b["png"] as? String)
    }
    // A file that is not a video fails as it does without segments.
    let bad = try await HTTP.post(
      server.url("/v1/predict?name=notes.txt&segments=1"), body: Data("not a video".utf8))
    #expect(bad.status == 415, "\(bad.text)")
    await server.stop()
  }

  @Test func segmentsAndRejectionAreAskedForInTheQuery() async throws {
    let server = try await RunningServer.start()
    let answer = try await HTTP.post(
      server.url("/v1/predict?name=clip.mp4&segments=1&reject=1"), body: Fixtures.clipData)
    #expect(answer.status == 200, "\(answer.text)")
    let result = try answer.json()
    #expect((result["rejection"] as? [String: Any])?["label"] as? String == "unknown")
    let found = try #require(result["segments"] as? [String: Any])
    #expect(found["video"] as? String == "clip.mp4")
    #expect(found["classes"] as? [String] == Fixtures.classes)
    let segments = try #require(found["segments"] as? [[String: Any]])
    // Every window is below a threshold of 1: the whole clip is background.
    #expect(segments.map { $0["label"] as? String } == ["background"])
    #expect((found["windows"] as? [Any])?.isEmpty == false)

    let plain = try await HTTP.post(
      server.url("/v1/predict?name=clip.mp4&reject=none"), body: Fixtures.clipData)
    let plainResult = try plain.json()
    #expect(plainResult["rejection"] == nil && plainResult["segments"] == nil)
    let bad = try await HTTP.post(
      server.url("/v1/predict?reject=sometimes"), body: Fixtures.clipData)
    #expect(bad.status == 400)
    #expect(bad.text.contains("reject must be auto, none or a probability"))
    await server.stop()
  }

  @Test func readsAFormWhoseBoundariesArriveSplitAcrossPackets() async throws {
    let server = try await RunningServer.start()
    let boundary = "----vidi--split"
    let clip = Fixtures.clipData
    let head = Data(
      ("preamble\r\n--\(boundary)\r\nContent-Disposition: form-data; name=\"video\"; "
        + "filename=\"split.mp4\"\r\n\r\n").utf8)
    let tail = Data(
      "\r\n--\(boundary)\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\n1\r\n--\(boundary)--\r\n"
        .utf8)
    let body = head + clip + tail
    // Cuts inside the first boundary, the part's headers, the content, the line break before
    // the next boundary and that boundary itself.
    let cuts = [
      13, 40, head.count - 1, head.count + clip.count / 2, head.count + clip.count + 1,
      head.count + clip.count + 9, body.count - 5,
    ].sorted()
    let answer = try RawHTTP.post(
      port: server.port, path: "/v1/predict",
      contentType: "multipart/form-data; boundary=\"\(boundary)\"", body: body, cuts: cuts)
    #expect(answer.status == 200, "\(answer.text)")
    #expect(try answer.json()["video"] as? String == "split.mp4")
    let whole = try await HTTP.post(server.url("/v1/predict"), body: clip)
    let expected = try #require(whole.json()["predictions"] as? [[String: Any]])
    let got = try #require(answer.json()["predictions"] as? [[String: Any]])
    #expect(
      got.compactMap { $0["probability"] as? Double }
        == expected.compactMap { $0["probability"] as? Double })
    #expect(server.leftovers.isEmpty)
    await server.stop()
  }

  @Test func refusesAnOversizedUploadWith413AndKeepsServing() async throws {
    let server = try await RunningServer.start { $0.maxUploadBytes = 64 * 1024 }
    let big = Data(repeating: 7, count: 300 * 1024)
    for answer in [
      try await HTTP.post(server.url("/v1/predict"), body: big),
      try await HTTP.postForm(server.url("/v1/predict"), file: big, filename: "big.mp4"),
    ] {
      #expect(answer.status == 413)
      let error = try answer.json()
      #expect(error["status"] as? Int == 413)
      #expect((error["error"] as? String)?.contains("--max-upload-mb") == true)
    }
    let valid = try await HTTP.post(server.url("/v1/predict"), body: Fixtures.clipData)
    #expect(valid.status == 200, "\(valid.text)")
    #expect(server.leftovers.isEmpty)
    await server.stop()
  }

  @Test func badUploadsGetJSONErrorsNamingTheReason() async throws {
    let server = try await RunningServer.start()
    let garbage = Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 7919 >> 3) })
    let cases: [(String, Data, Int, String)] = [
      ("garbage", garbage, 415, "not a video"),
      ("empty", Data(), 400, "empty"),
      ("truncated", Fixtures.clipData.prefix(300), 422, "truncated"),
    ]
    for (name, body, status, phrase) in cases {
      let answer = try await HTTP.post(server.url("/v1/predict?name=clip.mp4"), body: body)
      #expect(answer.status / 100 == 4, "\(name): \(answer.status) \(answer.text)")
      #expect(answer.status == status, "\(name): \(answer.text)")
      let error = try answer.json()
      #expect((error["error"] as? String)?.contains(phrase) == true, "\(name): \(answer.text)")
      #expect(!answer.text.contains(server.uploads.path), "\(name) leaks the temporary path")
    }
    let noFile = try await HTTP.post(
      server.url("/v1/predict"),
      body: Data("--b\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\n1\r\n--b--\r\n".utf8),
      contentType: "multipart/form-data; boundary=b")
    #expect(noFile.status == 400)
    #expect(noFile.text.contains("no file part"))
    let badQuery = try await HTTP.post(server.url("/v1/predict?top_k=0"), body: garbage)
    #expect(badQuery.status == 400)

    let valid = try await HTTP.post(server.url("/v1/predict"), body: Fixtures.clipData)
    #expect(valid.status == 200, "\(valid.text)")
    #expect(server.leftovers.isEmpty)
    await server.stop()
  }

  @Test func concurrentRequestsAllGetTheSameAnswer() async throws {
    let server = try await RunningServer.start { $0.queueLimit = 8 }
    let body = Fixtures.clipData
    let url = server.url("/v1/predict?top_k=all")
    let answers = try await withThrowingTaskGroup(of: Answer.self) { group in
      for _ in 0..<6 { group.addTask { try await HTTP.post(url, body: body) } }
      return try await group.reduce(into: []) { $0.append($1) }
    }
    #expect(answers.map(\.status) == Array(repeating: 200, count: 6))
    let rankings = try answers.map { answer in
      try #require(answer.json()["predictions"] as? [[String: Any]]).compactMap {
        $0["label"] as? String
      }
    }
    #expect(Set(rankings).count == 1)
    #expect(server.leftovers.isEmpty)
    await server.stop()
  }

  @Test func slowUploadsHoldNoPlaceAndAFullServerSaysWhatRuns() async throws {
    // One worker and no queue: before the fix, one stalled upload alone made every valid
    // request get 503 ("1 predictions running and 0 waiting", although none ran).
    let server = try await RunningServer.start {
      $0.workers = 1
      $0.queueLimit = 0
    }
    let stalled = try (0..<4).map { _ in
      try StalledUpload(port: server.port, declaredLength: 130_502)
    }
    try await waitUntil { try await health(server)["uploads"] as? Int == 4 }
    #expect(try await health(server)["requests"] as? Int == 0)
    let valid = try await HTTP.post(server.url("/v1/predict"), body: Fixtures.clipData)
    #expect(valid.status == 200, "\(valid.text)")

    // Eight valid requests at once: one predicts, the others find it busy and are told so.
    let url = server.url("/v1/predict")
    let answers = try await withThrowingTaskGroup(of: Answer.self) { group in
      for _ in 0..<8 { group.addTask { try await HTTP.post(url, body: Fixtures.clipData) } }
      return try await group.reduce(into: []) { $0.append($1) }
    }
    #expect(answers.contains { $0.status == 200 })
    for answer in answers where answer.status != 200 {
      #expect(answer.status == 503, "\(answer.text)")
      #expect(
        try answer.json()["error"] as? String
          == "the server is busy: 1 prediction running and 0 waiting (vidi serve --workers, "
          + "--queue); try again shortly")
    }
    for upload in stalled { upload.close() }
    try await waitUntil { try await health(server)["uploads"] as? Int == 0 }
    #expect(server.leftovers.isEmpty)
    await server.stop()
  }

  @Test func anUploadTooSlowForTheDeadlineIsCutOffWith408() async throws {
    let server = try await RunningServer.start {
      $0.idleTimeout = .milliseconds(500)
      $0.minimumUploadRate = 1024
      $0.uploadTimeout = .seconds(30)
    }
    // Ten bytes a second: never idle, far below the minimum rate.
    let slow = try StalledUpload(port: server.port, declaredLength: 130_502)
    let start = ContinuousClock.now
    let trickle = Task.detached {
      while !Task.isCancelled && slow.send(Data("x".utf8)) {
        try? await Task.sleep(for: .milliseconds(100))
      }
    }
    let response = await onOwnThread { slow.receiveAll() }
    let elapsed = ContinuousClock.now - start
    trickle.cancel()
    slow.close()
    // Cut at about half a second: the server closes the connection (the 408 it writes may not
    // reach a client whose input was shut).
    let text = String(decoding: response, as: UTF8.self)
    #expect(text.isEmpty || text.hasPrefix("HTTP/1.1 408"), "\(text)")
    #expect(elapsed < .seconds(10))
    try await waitUntil { try await health(server)["uploads"] as? Int == 0 }
    let valid = try await HTTP.post(server.url("/v1/predict"), body: Fixtures.clipData)
    #expect(valid.status == 200, "\(valid.text)")
    #expect(server.leftovers.isEmpty)
    await server.stop()
  }

  @Test func aSilentConnectionIsClosedAfterTheIdleTimeout() async throws {
    let server = try await RunningServer.start { $0.idleTimeout = .milliseconds(300) }
    // Stalls half way through its headers, where no request handler runs yet.
    let silent = try StalledUpload(
      port: server.port, head: "POST /v1/predict HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Le")
    let start = ContinuousClock.now
    _ = await onOwnThread { silent.receiveAll() }
    #expect(ContinuousClock.now - start < .seconds(10))
    silent.close()
    await server.stop()
  }

  private func health(_ server: RunningServer) async throws -> [String: Any] {
    try await HTTP.get(server.url("/healthz")).json()
  }

  private func waitUntil(_ condition: () async throws -> Bool) async throws {
    for _ in 0..<200 {
      if try await condition() { return }
      try await Task.sleep(for: .milliseconds(20))
    }
    Issue.record("timed out waiting for the server")
  }
}

/// A raw connection that sends the head of a POST and a few body bytes, then stalls.
final class StalledUpload: Sendable {
  private let descriptor: Int32

  convenience init(port: Int, declaredLength: Int = 100_000) throws {
    try self.init(
      port: port,
      head: "POST /v1/predict HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: video/mp4\r\n"
        + "Content-Length: \(declaredLength)\r\n\r\nabcdefgh")
  }

  init(port: Int, head: String) throws {
    descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
      }
    }
    try #require(connected == 0, "cannot connect to port \(port)")
    send(Data(head.utf8))
  }

  /// False once the server has closed the connection (no SIGPIPE: the test goes on).
  @discardableResult
  func send(_ bytes: Data) -> Bool {
    bytes.withUnsafeBytes { buffer in
      var offset = 0
      while offset < buffer.count {
        let sent = Glibc.send(
          descriptor, buffer.baseAddress! + offset, buffer.count - offset, Int32(MSG_NOSIGNAL))
        if sent <= 0 { return false }
        offset += sent
      }
      return true
    }
  }

  /// Everything the server sends until it closes the connection.
  func receiveAll() -> Data {
    var received = Data()
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
      let count = recv(descriptor, &buffer, buffer.count, 0)
      if count <= 0 { return received }
      received.append(contentsOf: buffer[..<count])
    }
  }

  func close() {
    Glibc.close(descriptor)
  }
}

/// HTTP/1.1 over a plain socket, sending the body in pieces with pauses between them so the
/// server reads them separately.
enum RawHTTP {
  static func post(
    port: Int, path: String, contentType: String, body: Data, cuts: [Int]
  ) throws -> Answer {
    let connection = try StalledUpload(
      port: port,
      head: "POST \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        + "Content-Type: \(contentType)\r\nContent-Length: \(body.count)\r\n\r\n")
    var start = 0
    for end in cuts + [body.count] {
      connection.send(body[start..<end])
      start = end
      usleep(20_000)
    }
    let response = connection.receiveAll()
    connection.close()
    let split = try #require(response.range(of: Data("\r\n\r\n".utf8)))
    let statusLine = String(decoding: response[..<split.lowerBound], as: UTF8.self)
    let status = Int(statusLine.split(separator: " ")[1]) ?? 0
    return Answer(status: status, contentType: "", body: response[split.upperBound...])
  }
}

/// Runs blocking socket reads on a thread of their own: on the cooperative pool (two threads
/// on a 2-core machine) two of them at once would starve the server's own timers.
private func onOwnThread<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
  await withCheckedContinuation { continuation in
    Thread { continuation.resume(returning: work()) }.start()
  }
}
