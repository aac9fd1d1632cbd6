import Backbones
import Foundation
import Testing

/// The fixtures' real-image references (`real_images.json`): scikit-image's cat (`chelsea`,
/// built into the module for the self-test) and coffee photos.
struct RealImages: Decodable {
  struct Score: Decodable {
    var index: Int
    var prob: Double
  }

  struct Lite0: Decodable {
    var top5: [Score]
    var pooled_feature_l2: Double
  }

  struct MobileNet: Decodable {
    var feature_l2: Double
    var feature_first16: [Double]
  }

  struct MobileNetVariants: Decodable {
    var short256_crop224: MobileNet
  }

  struct Image: Decodable {
    var crop_sum_0_255: Double
    var efficientnet_lite0: Lite0
    var mobilenetv2_bottleneck: MobileNetVariants
  }

  var images: [String: Image]

  static func load() throws -> RealImages {
    let url = try #require(
      Bundle.module.url(forResource: "real_images", withExtension: "json", subdirectory: "Fixtures")
    )
    return try JSONDecoder().decode(RealImages.self, from: Data(contentsOf: url))
  }

  /// The 224 × 224 crop of `name`, RGB 0...255.
  static func crop(_ name: String) throws -> [Float] {
    if name == "chelsea" { return try BackboneSelfTest.catFrame() }
    let url = try #require(
      Bundle.module.url(forResource: name, withExtension: "rgb", subdirectory: "Fixtures"))
    let rgb = [UInt8](try Data(contentsOf: url))
    return ReferenceCrop.centreCrop(rgb: rgb, height: 400, width: 600)
  }
}

@Suite struct RealImageTests {
  static let names = ["chelsea", "coffee"]

  @Test(arguments: names)
  func cropMatchesTheReferenceGeometry(name: String) throws {
    let reference = try #require(try RealImages.load().images[name])
    let crop = try RealImages.crop(name)
    #expect(crop.count == 224 * 224 * 3)
    #expect(abs(crop.reduce(0.0) { $0 + Double($1) } - reference.crop_sum_0_255) < 1)
  }

  @Test(arguments: names)
  func lite0RanksClassesAsTheReference(name: String) throws {
    let reference = try #require(try RealImages.load().images[name]).efficientnet_lite0
    let encoder = try FrameEncoder(
      backbone: .efficientnetLite0, checkpoint: TestWeights.url(.efficientnetLite0))
    let encoding = encoder.encode(frames: try RealImages.crop(name), count: 1)
    let top5 = BackboneSelfTest.topClasses(try #require(encoding.logits(0)), k: 5)
    #expect(top5.map(\.index) == reference.top5.map(\.index))
    for (score, expected) in zip(top5, reference.top5) {
      #expect(abs(score.probability - expected.prob) < 1e-3)
    }
    let norm = encoding.features.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
    #expect(abs(norm - reference.pooled_feature_l2) < 1e-3)
  }

  @Test(arguments: names)
  func mobileNetFeaturesMatchTheReference(name: String) throws {
    let reference = try #require(try RealImages.load().images[name])
      .mobilenetv2_bottleneck.short256_crop224
    let encoder = try FrameEncoder(
      backbone: .mobilenetV2, checkpoint: TestWeights.url(.mobilenetV2))
    let feature = encoder.features(frames: try RealImages.crop(name), count: 1)
    let norm = feature.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
    #expect(abs(norm - reference.feature_l2) < 1e-3)
    #expect(
      VectorError(feature.prefix(16), reference: reference.feature_first16).maxAbsolute < 1e-3)
  }

  @Test(arguments: [
    (BackboneID.efficientnetLite0, [282, 285, 281, 287, 904]),
    (BackboneID.efficientnetLite1, [285, 282, 281, 287, 942]),
    (BackboneID.efficientnetLite2, [285, 282, 281, 287, 622]),
  ])
  func selfTestNamesTheCat(backbone: BackboneID, reference: [Int]) throws {
    let encoder = try FrameEncoder(backbone: backbone, checkpoint: TestWeights.url(backbone))
    let result = try BackboneSelfTest.run(encoder)
    let cat = try #require(result.catTop5)
    #expect(result.referenceCatTop5 == reference)
    #expect(cat.map(\.index) == reference)
    // Tiger cat, Egyptian cat, tabby and lynx in some order lead for every member.
    #expect(Set(cat.prefix(4).map(\.index)) == [282, 285, 281, 287])
    #expect(result.passed)
  }

  @Test(arguments: [BackboneID.efficientnetLite1, .efficientnetLite2])
  func cropFollowsTheInputSize(backbone: BackboneID) throws {
    let size = backbone.spec.inputSize
    let crop = try BackboneSelfTest.catFrame(size: size)
    #expect(crop.count == size * size * 3)
    let reference = try ResourceGolden.load(backbone).cat_crop_sum_0_255
    #expect(abs(crop.reduce(0.0) { $0 + Double($1) } - reference) < 1)
  }
}
