import Testing

@Suite struct RootCommandTests {
  @Test func versionNamesTheLinkedFFmpeg() throws {
    let result = try VidiProcess.run(["--version"])
    #expect(result.status == 0)
    #expect(result.stdout.contains("libavcodec"))
  }

  @Test func unknownFlagFailsWithAMessage() throws {
    let result = try VidiProcess.run(["--no-such-flag"])
    #expect(result.status != 0)
    #expect(result.stderr.contains("--no-such-flag"))
  }
}
