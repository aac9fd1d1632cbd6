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

  @Test func aMistypedCommandGetsTheNearestOne() throws {
    let typo = try VidiProcess.run(["predcit", "model.vidi", "clip.avi"])
    #expect(typo.status != 0)
    #expect(
      typo.stderr == "vidi: unknown command 'predcit'; did you mean 'vidi predict'?\n",
      "\(typo.stderr)")
    let nested = try VidiProcess.run(["models", "fecth"])
    #expect(nested.stderr.contains("did you mean 'vidi models fetch'?"))
    let unknown = try VidiProcess.run(["frobnicate"])
    #expect(unknown.status != 0)
    #expect(unknown.stderr.contains("unknown command 'frobnicate' (commands: index, extract"))
  }

  @Test func everyCommandsHelpHasExamples() throws {
    for command in [
      ["index"], ["extract"], ["train"], ["evaluate"], ["predict"], ["watch"], ["serve"],
      ["demo"],
      ["models"], ["models", "list"], ["models", "fetch"], ["models", "verify"],
      ["models", "check"], ["models", "bench"],
    ] {
      let help = try VidiProcess.run(command + ["--help"])
      #expect(help.status == 0)
      #expect(
        help.stdout.contains("vidi " + command.joined(separator: " ") + " "),
        "\(command) --help shows no example")
      #expect(help.stdout.contains("Example"), "\(command) --help has no examples")
    }
  }
}
