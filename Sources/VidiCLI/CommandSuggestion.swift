import ArgumentParser

/// "Did you mean …?" for a mistyped subcommand (`vidi predcit`, `vidi models fecth`), which the
/// argument parser would only call an unexpected argument.
enum CommandSuggestion {
  /// The complaint about the first unknown subcommand in `arguments` (without the program
  /// name), or nil when every subcommand named is known.
  static func unknownSubcommand(_ arguments: [String], root: any ParsableCommand.Type) -> String? {
    var command = root
    var path = [root.configuration.commandName ?? "vidi"]
    for argument in arguments {
      let subcommands = command.configuration.subcommands
      guard !subcommands.isEmpty, !argument.hasPrefix("-") else { return nil }
      let names = subcommands.map { $0._commandName }
      if let index = names.firstIndex(of: argument) {
        command = subcommands[index]
        path.append(argument)
        continue
      }
      if argument == "help" { return nil }
      let prefix = path.joined(separator: " ")
      if let closest = closest(to: argument, in: names) {
        return "unknown command '\(argument)'; did you mean '\(prefix) \(closest)'?"
      }
      return "unknown command '\(argument)' (commands: \(names.joined(separator: ", ")); "
        + "see \(prefix) --help)"
    }
    return nil
  }

  /// The name nearest to `word` by edit distance, if near enough to be a typo: at most a third
  /// of the letters wrong (a swap counts once), or `word` starting the name.
  static func closest(to word: String, in names: [String]) -> String? {
    let scored = names.map { (name: $0, distance: distance(word.lowercased(), $0)) }
    guard let best = scored.min(by: { $0.distance < $1.distance }) else { return nil }
    if best.distance <= max(1, best.name.count / 3) { return best.name }
    return word.count >= 2 ? names.first { $0.hasPrefix(word.lowercased()) } : nil
  }

  /// Optimal string alignment distance: insertions, deletions, substitutions and swaps of
  /// adjacent letters each cost one.
  static func distance(_ a: String, _ b: String) -> Int {
    let a = Array(a)
    let b = Array(b)
    guard !a.isEmpty else { return b.count }
    guard !b.isEmpty else { return a.count }
    var table = Array(repeating: Array(repeating: 0, count: b.count + 1), count: a.count + 1)
    for i in 0...a.count { table[i][0] = i }
    for j in 0...b.count { table[0][j] = j }
    for i in 1...a.count {
      for j in 1...b.count {
        let cost = a[i - 1] == b[j - 1] ? 0 : 1
        table[i][j] = min(
          table[i - 1][j] + 1, table[i][j - 1] + 1, table[i - 1][j - 1] + cost)
        if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
          table[i][j] = min(table[i][j], table[i - 2][j - 2] + 1)
        }
      }
    }
    return table[a.count][b.count]
  }
}
