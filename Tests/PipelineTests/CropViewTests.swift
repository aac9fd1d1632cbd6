import Foundation
import Pipeline
import Reporting
import SequenceModels
import Testing

/// Multi-crop views (`--augment crops`): the squares at both ends of the long side have their
/// own cache keys, are recorded in a model's provenance, and a model trained on them averages
/// the same squares whenever it predicts.
@Suite struct CropViewTests {
  static let cropOptions = FeatureOptions(
    backbone: .efficientnetLite0, frames: 4,
    trainingViews: FeatureView.views(flip: false, crops: true),
    testViews: FeatureView.views(flip: false, crops: true))

  @Test func everyViewHasItsOwnKeyAndTheOriginalsKeyIsUnchanged() throws {
    let options = FeatureOptionsTests.fixtureOptions
    func key(_ view: FeatureView, _ options: FeatureOptions = FeatureOptionsTests.fixtureOptions)
      -> CacheKey
    {
      CacheKey(
        contentDigest: "c2688175fbf47955694156f808e4e00452c3d888d2771b8d9a493404f732c5f4",
        fileSize: 162_122, settings: options.cacheSettings(view: view))
    }
    let identifiers = FeatureView.allCases.map { key($0).identifier }
    #expect(Set(identifiers).count == FeatureView.allCases.count)
    // The views a model is trained or tested with are not part of any key: a clip's centre
    // square is the same entry whatever else is extracted beside it.
    var withCrops = options
    withCrops.trainingViews = Self.cropOptions.trainingViews
    withCrops.testViews = Self.cropOptions.testViews
    #expect(key(.original, withCrops).identifier == key(.original).identifier)
    #expect(
      key(.original).identifier
        == "62f5ed5eacc4e307078bbb09da7e1c1553c8b54cc66ff493491b8897731eb6a7")

    let header = String(decoding: try JSONEncoder().encode(key(.startCrop).settings), as: UTF8.self)
    #expect(header.contains(#""view":"start-crop""#))
    #expect(FeatureView.startCrop.crop == .start && FeatureView.endCrop.crop == .end)
    #expect(FeatureView.original.crop == .centre && FeatureView.flipped.crop == .centre)
  }

  @Test func provenanceRecordsTheViewsAndReadsThemBack() throws {
    let provenance = Self.cropOptions.provenance
    #expect(provenance.trainingViews == ["original", "start-crop", "end-crop"])
    #expect(provenance.testViews == ["original", "start-crop", "end-crop"])
    let model = try FeatureOptionsTests.model(provenance: provenance)
    let read = try FeatureOptions(model: model, modelPath: "m.vidi", request: FeatureRequest())
    #expect(read == Self.cropOptions)
    #expect(read.testViews(flip: true) == [.original, .flipped, .startCrop, .endCrop])

    // Without views, nothing new is written: such a model's config reads as before.
    let plain = FeatureOptions(backbone: .efficientnetLite0, frames: 4).provenance
    let json = String(decoding: try JSONEncoder().encode(plain), as: UTF8.self)
    #expect(!json.contains("testViews") && !json.contains("trainingViews"))

    var unknown = provenance
    unknown.testViews = ["original", "diagonal-crop"]
    #expect(
      throws: WorkflowError.unknownSetting(
        modelPath: "m.vidi", setting: "test view", value: "diagonal-crop")
    ) {
      try FeatureOptions(
        model: FeatureOptionsTests.model(provenance: unknown), modelPath: "m.vidi",
        request: FeatureRequest())
    }
  }

  @Test func theEndSquaresOfAWidePictureAreItsHalves() throws {
    let fixture = try ExtractionFixture()
    let left = FeatureExtractorTests.asymmetricPicture(side: 224)
    let right = RGBThumbnail(
      width: 224, height: 224,
      pixels: left.pixels.enumerated().map { UInt8(($0.offset * 7) & 0xff) })
    var wide: [UInt8] = []
    for row in 0..<224 {
      wide += left.pixels[(row * 672)..<((row + 1) * 672)]
      wide += right.pixels[(row * 672)..<((row + 1) * 672)]
    }
    let urls = ["wide", "left", "right"].map { fixture.folder.appendingPathComponent("\($0).png") }
    for (url, image) in zip(
      urls, [RGBThumbnail(width: 448, height: 224, pixels: wide), left, right])
    {
      try Data(PNGEncoder.encode(image)).write(to: url)
    }

    let extractor = try fixture.extractor()
    let views = try extractor.features(
      ofVideoAt: urls[0], views: [.original, .startCrop, .endCrop])
    let leftHalf = try extractor.features(ofVideoAt: urls[1], useCache: false)[.original]
    let rightHalf = try extractor.features(ofVideoAt: urls[2], useCache: false)[.original]
    #expect(views[.startCrop] == leftHalf)
    #expect(views[.endCrop] == rightHalf)
    #expect(views[.original] != leftHalf && views[.original] != rightHalf)

    let clip = Clip(url: urls[0], path: "wide.png", label: "x", split: .unassigned, group: nil)
    let status = fixture.cache.status(
      of: [clip], options: ExtractionFixture.options, views: [.original, .startCrop, .endCrop])
    #expect(status.cached == 1, "every square is stored under its own key")
  }

  @Test func aModelTrainedOnCropsAveragesThemWhenItPredicts() throws {
    let fixture = try ExtractionFixture()
    let index = try fixture.index()
    let extractor = try FeatureExtractor(
      options: Self.cropOptions, cache: fixture.cache, threads: 1,
      checkpoint: TestWeights.lite0())
    let training = try extractor.clipFeatures(
      index.trainingClips, views: Self.cropOptions.trainingViews)
    #expect(training.clips.count == index.trainingClips.count * 3)
    let set = try TrainingSet(
      clips: training.clips, validationFraction: 0, seed: 1,
      testViews: Self.cropOptions.testViews)
    let trained = try TrainingWorkflow.train(
      set, provenance: Self.cropOptions.provenance,
      options: TrainingOptions(model: .model(.linear), validationFraction: 0, seed: 1, threads: 1))
    let folder = try SyntheticClips.scratch()
    defer { try? FileManager.default.removeItem(at: folder) }
    let path = folder.appendingPathComponent("crops.vidi")
    try trained.save(to: path)
    let model = try TrainedModel.load(from: path)

    let predictor = try VideoPredictor(
      model: model, modelPath: path.path, cache: fixture.cache, threads: 1)
    #expect(predictor.options.testViews == [.original, .startCrop, .endCrop])
    let test = try #require(index.clips(in: .test).first)
    let prediction = try predictor.predict(videoAt: test.url)

    let views = try extractor.features(
      ofVideoAt: test.url, views: [.original, .startCrop, .endCrop])
    #expect(Set(views[.original]!.values) != Set(views[.startCrop]!.values))
    var expected = [Float](repeating: 0, count: model.classes.count)
    for view in [FeatureView.original, .startCrop, .endCrop] {
      let features = try #require(views[view])
      let p = try model.predict(features: features.values, length: features.validFrameCount)
      for k in expected.indices { expected[k] += p[k] / 3 }
    }
    for label in prediction.predictions {
      let k = try #require(model.classes.firstIndex(of: label.label))
      #expect(abs(label.probability - expected[k]) < 1e-5)
    }

    // `vidi evaluate` extracts the model's test views and averages them the same way.
    let testClips = try extractor.clipFeatures(
      index.clips(in: .test), views: predictor.options.testViews(flip: false))
    let evaluation = try EvaluationWorkflow.evaluate(
      model, modelPath: path.path, clips: testClips.clips, provenance: nil)
    #expect(evaluation.testTimeAugmentation == "start-crop+end-crop")
    let evaluated = try #require(evaluation.clips.first { $0.path == test.path })
    for k in expected.indices { #expect(abs(evaluated.probabilities[k] - expected[k]) < 1e-5) }
  }
}

/// Cross-validation scores a model as it will predict: averaged over its test-time views.
@Suite struct CropCrossValidationTests {
  /// Two classes told apart by the sign of the mean frame; the original views are noisy and
  /// the (pretend) end squares clean, so averaging them in shows in the scores.
  static func clips(seed: UInt64) -> [ClipFeatures] {
    var generator = SeededGenerator(seed: seed)
    var clips: [ClipFeatures] = []
    for (label, sign) in [("minus", Float(-1)), ("plus", Float(1))] {
      for index in 0..<18 {
        for (view, noise) in [(FeatureView.original, Float(6)), (.startCrop, 1), (.endCrop, 1)] {
          let values = SyntheticClips.gaussians(4 * 8, &generator).map { sign * 0.6 + noise * $0 }
          clips.append(
            ClipFeatures(
              path: "\(label)/clip\(index).mp4", label: label, split: .train,
              group: "\(label)-g\(index % 6)", view: view, frameCount: 4, dimension: 8,
              values: values, length: 4, frameIndices: [0, 1, 2, 3]))
        }
      }
    }
    return clips
  }

  static func train(testViews: [FeatureView], seed: UInt64 = 3) throws -> TrainedModel {
    let set = try TrainingSet(
      clips: clips(seed: 9), validationFraction: 0, seed: seed, testViews: testViews)
    var options = TrainingOptions(
      model: .auto, seed: seed, threads: 1, candidates: [.linear, .meanPool], folds: 3)
    options.epochs = 5
    return try TrainingWorkflow.train(set, provenance: nil, options: options)
  }

  @Test func theTestViewsOfEachClipAreFoundAndTheFoldsAverageThem() throws {
    let views = FeatureView.views(flip: false, crops: true)
    let set = try TrainingSet(
      clips: Self.clips(seed: 9), validationFraction: 0, seed: 3, testViews: views)
    #expect(set.testViewClips.count == 36 && set.extraViews == 72)
    for (original, others) in set.testViewClips.enumerated() {
      #expect(others.count == 2)
      for other in others {
        #expect(set.trainingPaths[other] == set.trainingPaths[original])
      }
    }
    let centreOnly = try TrainingSet(
      clips: Self.clips(seed: 9), validationFraction: 0, seed: 3, testViews: [.original])
    #expect(centreOnly.testViewClips.allSatisfy { $0.isEmpty })

    let averaged = try #require(try Self.train(testViews: views).selection)
    let centre = try #require(try Self.train(testViews: [.original]).selection)
    func linear(_ selection: ModelSelection) -> Double {
      selection.candidates.filter { $0.model == .linear }.map(\.validationAccuracy).max() ?? 0
    }
    #expect(linear(averaged) > linear(centre) + 0.1, "the clean squares lift the folds' scores")
  }

  @Test func selectionWithViewsIsReproducibleBitForBit() throws {
    let views = FeatureView.views(flip: false, crops: true)
    let first = try Self.train(testViews: views)
    let again = try Self.train(testViews: views)
    let scores = try #require(first.selection).candidates
    #expect(!scores.isEmpty)
    #expect(again.selection?.candidates.map(\.foldAccuracies) == scores.map(\.foldAccuracies))
    #expect(again.selection?.candidates.map(\.validationLoss) == scores.map(\.validationLoss))
    #expect(again.selection?.chosen == first.selection?.chosen)
    #expect(
      again.parameterSpecs.map { again.parameter(named: $0.name) }
        == first.parameterSpecs.map { first.parameter(named: $0.name) })
  }
}
