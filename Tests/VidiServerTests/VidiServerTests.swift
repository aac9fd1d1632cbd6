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
    #expect(!page.text.contains("http://") || !page.text.contains("src=\"http"))
    await server.stop()
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

  @Test func aFullServerAnswers503AndRecoversWhenAnUploadIsAbandoned() async throws {
    let server = try await RunningServer.start {
      $0.workers = 1
      $0.queueLimit = 0
    }
    // An upload that stops half way holds the only place until its connection closes.
    let stalled = try StalledUpload(port: server.port)
    try await waitUntil { try await requests(server) == 1 }
    let busy = try await HTTP.post(server.url("/v1/predict"), body: Fixtures.clipData)
    #expect(busy.status == 503)
    #expect(try busy.json()["error"] as? String != nil)
    stalled.close()
    try await waitUntil { try await requests(server) == 0 }
    let valid = try await HTTP.post(server.url("/v1/predict"), body: Fixtures.clipData)
    #expect(valid.status == 200, "\(valid.text)")
    #expect(server.leftovers.isEmpty)
    await server.stop()
  }

  private func requests(_ server: RunningServer) async throws -> Int {
    try await HTTP.get(server.url("/healthz")).json()["requests"] as? Int ?? -1
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
final class StalledUpload {
  private let descriptor: Int32

  init(port: Int) throws {
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
    let head =
      "POST /v1/predict HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: video/mp4\r\n"
      + "Content-Length: 100000\r\n\r\nabcdefgh"
    _ = head.withCString { send(descriptor, $0, strlen($0), 0) }
  }

  func close() {
    Glibc.close(descriptor)
  }
}
