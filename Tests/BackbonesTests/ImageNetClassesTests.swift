import Backbones
import Foundation
import Testing

@Suite struct ImageNetClassesTests {
  @Test func thousandNamesInSynsetOrder() {
    let names = ImageNetClasses.names
    #expect(names.count == 1000)
    #expect(names.first == "tench")
    #expect(names.last == "toilet tissue")
    #expect(names.allSatisfy { !$0.isEmpty && $0 == $0.trimmingCharacters(in: .whitespaces) })
  }

  /// The classes the reference implementation's top-5 names for the cat and coffee images.
  @Test(arguments: [
    (281, "tabby"), (282, "tiger cat"), (285, "Egyptian cat"), (287, "lynx"),
    (504, "coffee mug"), (904, "window screen"), (906, "Windsor tie"), (925, "consomme"),
    (960, "chocolate sauce"), (967, "espresso"), (968, "cup"),
  ])
  func knownIndices(index: Int, name: String) {
    #expect(ImageNetClasses.names[index] == name)
  }
}
