import ArgumentParser
import Foundation
import Testing

@testable import VidiCLI

@Suite struct HelpTextTests {
  static func commands(under root: any ParsableCommand.Type) -> [any ParsableCommand.Type] {
    [root] + root.configuration.subcommands.flatMap { commands(under: $0) }
  }

  /// ArgumentParser wraps prose to the terminal's width itself, so a line break inside a
  /// paragraph of a discussion shows as a line cut short in mid-sentence. Example blocks (a
  /// paragraph opened by a line ending in ":") and indented or bulleted lines keep theirs.
  @Test func discussionParagraphsHaveNoLineBreaks() {
    let commands = Self.commands(under: Vidi.self)
    #expect(commands.count > 10)
    for command in commands {
      for paragraph in command.configuration.discussion.components(separatedBy: "\n\n") {
        let lines = paragraph.split(separator: "\n")
        guard let first = lines.first, !first.hasSuffix(":") else { continue }
        let prose = lines.filter { !$0.hasPrefix(" ") && !$0.hasPrefix("-") }
        #expect(prose.count <= 1, "\(command): a line break after '\(prose.first ?? "")'")
      }
    }
  }
}
