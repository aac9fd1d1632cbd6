import Backbones
import Foundation
import NumericCore
import Pipeline
import SequenceModels
import Testing

/// `FeatureOptions` is the one typed value behind cache keys and model provenance: files
/// written before it was (by Vidi at commit 3f89d90) still load and still hit. The fixtures are
/// `vidi train DATA --model linear --val-fraction 0 --frames 2 --precision f32` on four clips of
/// each of UCF101's ApplyEyeMakeup and ApplyLipstick (config.json and weights only), and the
/// cache entry that run wrote for v_ApplyEyeMakeup_g16_c01.avi.
@Suite struct FeatureOptionsTests {
  static let fixtures = Bundle.module.resourceURL!.appendingPathComponent("Fixtures")
  /// What `vidi train --model linear --frames 2 --precision f32` was given for the fixture.
  static let fixtureOptions = FeatureOptions(backbone: .efficientnetLite0, frames: 2)

  @Test func aModelFileWrittenBeforeStillLoadsAndKeepsItsOptions() throws {
    let url = Self.fixtures.appendingPathComponent("main-model")
    let model = try TrainedModel.load(from: url)
    let provenance = try #require(model.provenance)
    #expect(provenance.backbone == "efficientnet-lite0")
    #expect(provenance.precision == .f32)
    #expect(provenance.normalization == nil)
    #expect(model.classes == ["ApplyEyeMakeup", "ApplyLipstick"])
    let options = try FeatureOptions(model: model, modelPath: url.path, request: FeatureRequest())
    #expect(options == Self.fixtureOptions)
    #expect(throws: WorkflowError.self) {
      try FeatureOptions(
        model: model, modelPath: url.path, request: FeatureRequest(sampling: .first))
    }
  }

  /// An entry file written by an earlier build still loads under today's key for its clip.
  @Test func aCacheEntryWrittenBeforeStillLoads() throws {
    let folder = FileManager.default.temporaryDirectory
      .appendingPathComponent("vidi-old-entry-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: folder) }
    let cache = FeatureCache(directory: folder)
    // The key of UCF101's v_ApplyEyeMakeup_g16_c01.avi, whose features the fixture holds.
    let key = CacheKey(
      contentDigest: "c2688175fbf47955694156f808e4e00452c3d888d2771b8d9a493404f732c5f4",
      fileSize: 162_122, settings: Self.fixtureOptions.cacheSettings(view: .original))
    #expect(key.identifier == "62f5ed5eacc4e307078bbb09da7e1c1553c8b54cc66ff493491b8897731eb6a7")
    let entry = cache.entryURL(for: key)
    try FileManager.default.createDirectory(
      at: entry.deletingLastPathComponent(), withIntermediateDirectories: true)
    try FileManager.default.copyItem(
      at: Self.fixtures.appendingPathComponent("main-cache-entry.features"), to: entry)
    let features = try #require(cache.load(key))
    #expect(features.frameCount == 2 && features.dimension == 1280)
    #expect(features.validFrameCount == 2)
  }

  /// The normalisation is compared as numbers; the preprocessing text is for people.
  @Test func provenanceComparesTheNormalisationsNumbers() throws {
    let options = FeatureOptions(backbone: .efficientnetLite0, frames: SyntheticClips.frames)
    var reworded = options.provenance
    reworded.preprocessing = "any words at all"
    let model = try Self.model(provenance: reworded)
    #expect(
      try FeatureOptions(model: model, modelPath: "m.vidi", request: FeatureRequest()) == options)

    var shifted = options.provenance
    shifted.normalization?.mean[0] += 1
    #expect {
      try FeatureOptions(
        model: Self.model(provenance: shifted), modelPath: "m.vidi", request: FeatureRequest())
    } throws: { error in
      "\(error)".hasPrefix("m.vidi: model was trained on features with normalisation mean [128.0")
    }
  }

  /// Options a user gives must agree with the model's; any precision goes.
  @Test func requestsMustAgreeWithTheModelsOptions() throws {
    let trained = FeatureOptions(backbone: .efficientnetLite0, frames: SyntheticClips.frames)
    let model = try Self.model(provenance: trained.provenance)
    #expect(
      throws: WorkflowError.conflictingOption(
        modelPath: "m.vidi", option: "--backbone", model: "efficientnet-lite0",
        requested: "mobilenet-v2")
    ) {
      try FeatureOptions(
        model: model, modelPath: "m.vidi",
        request: FeatureRequest(backbone: .mobilenetV2, frames: SyntheticClips.frames))
    }
    let agreeing = FeatureRequest(
      backbone: .efficientnetLite0, frames: SyntheticClips.frames, sampling: .uniform,
      precision: .bf16)
    var expected = trained
    expected.precision = .bf16
    #expect(try FeatureOptions(model: model, modelPath: "m.vidi", request: agreeing) == expected)

    var unknown = trained.provenance
    unknown.sampling = "sideways"
    #expect(
      throws: WorkflowError.unknownSetting(
        modelPath: "m.vidi", setting: "sampling", value: "sideways")
    ) {
      try FeatureOptions(
        model: Self.model(provenance: unknown), modelPath: "m.vidi", request: FeatureRequest())
    }
  }

  static func model(provenance: FeatureProvenance) throws -> TrainedModel {
    try TrainingWorkflow.train(
      SyntheticClips.orderTask(clipsPerClass: 4, seed: 1), provenance: provenance,
      options: TrainingOptions(model: .model(.meanPool), epochs: 1, seed: 2, threads: 1))
  }
}
