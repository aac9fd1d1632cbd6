import Foundation

/// The ImageNet-1k (ILSVRC-2012) class names, for reading EfficientNet-Lite0's 1000 logits.
public enum ImageNetClasses {
  /// The name of each class index 0..<1000: the first WordNet lemma of its synset, in the
  /// standard synset order (derived from timm's offline `imagenet_synsets.txt` and
  /// `imagenet_synset_to_lemma.txt`). "crane" and "maillot" each name two classes, as in WordNet.
  public static let names: [String] = {
    guard let url = Bundle.module.url(forResource: "imagenet-classes", withExtension: "txt"),
      let text = try? String(contentsOf: url, encoding: .utf8)
    else { preconditionFailure("the Backbones resource imagenet-classes.txt is missing") }
    return text.split(separator: "\n").map(String.init)
  }()
}
