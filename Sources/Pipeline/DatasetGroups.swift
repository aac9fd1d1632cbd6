import Foundation

/// Derives a clip's group key: clips of one group (the same actor, scene or source video) must
/// stay on one side of a train/validation split, or the split leaks.
///
/// Built in: UCF101 names `v_<Class>_g<NN>_c<NN>` give `g<NN>`; KTH names `person<NN>_...`
/// give `person<NN>`. A custom pattern's first capture group is the key; it is matched against
/// the file name, then against the path within the dataset.
public struct GroupKeyRule: Sendable {
  private let patterns: [(regex: NSRegularExpression, prefix: String)]
  /// True for a caller's pattern, which then also overrides a manifest's group column.
  public let isCustom: Bool

  /// UCF101 and KTH naming.
  public static let builtIn = GroupKeyRule(patterns: [
    (try! NSRegularExpression(pattern: #"^v_.+_g(\d+)_c\d+"#), "g"),
    (try! NSRegularExpression(pattern: #"^person(\d+)_"#), "person"),
  ])

  private init(patterns: [(regex: NSRegularExpression, prefix: String)]) {
    self.patterns = patterns
    isCustom = false
  }

  /// A rule from a regular expression (ICU syntax) whose first capture group is the key.
  public init(pattern: String) throws(DatasetError) {
    let regex: NSRegularExpression
    do {
      regex = try NSRegularExpression(pattern: pattern)
    } catch {
      throw .badGroupPattern(pattern: pattern, reason: "not a regular expression")
    }
    guard regex.numberOfCaptureGroups >= 1 else {
      throw .badGroupPattern(pattern: pattern, reason: "it needs a capture group, e.g. (\\d+)")
    }
    patterns = [(regex, "")]
    isCustom = true
  }

  /// The group key of the file at `relativePath` (inside the dataset), or nil.
  public func group(forPath relativePath: String) -> String? {
    let name = relativePath.split(separator: "/").last.map(String.init) ?? relativePath
    for (regex, prefix) in patterns {
      for subject in [name, relativePath] {
        let whole = NSRange(subject.startIndex..., in: subject)
        guard let match = regex.firstMatch(in: subject, range: whole),
          let range = Range(match.range(at: 1), in: subject), !range.isEmpty
        else { continue }
        return prefix + subject[range]
      }
    }
    return nil
  }
}
