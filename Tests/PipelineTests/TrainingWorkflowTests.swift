import Foundation
import Reporting
import SequenceModels
import Testing

@testable import Pipeline

@Suite struct TrainingWorkflowTests {
  @Test func autoPicksASequenceModelWhereOrderMattersAndRecordsEveryCandidate() throws {
    let clips = SyntheticClips.orderTask(clipsPerClass: 48, seed: 1)
    var lines: [String] = []
    let options = TrainingOptions(epochs: 25, validationFraction: 0.25, seed: 3, threads: 2)
    let model = try TrainingWorkflow.train(
      clips, provenance: SyntheticClips.provenance, options: options
    ) { lines.append($0.line) }

    let selection = try #require(model.selection)
    for candidate in selection.candidates {
      print("auto on the order task: \(candidate.model.rawValue) \(candidate.validationAccuracy)")
    }
    print("auto on the order task: \(selection.reason)")
    #expect(selection.candidates.map(\.model) == ModelChoice.autoCandidates)
    #expect([ModelKind.gru, .lstm, .seedGRU].contains(model.kind))
    #expect(selection.chosen == model.kind)
    let chosen = try #require(selection.candidates.first { $0.model == model.kind })
    #expect(chosen.history == model.training.history)
    for baseline in selection.candidates where [.frameAverage, .meanPool].contains(baseline.model) {
      #expect(baseline.validationAccuracy < chosen.validationAccuracy)
    }
    #expect(
      TrainingWorkflow.best(selection.candidates) == selection.candidates.firstIndex(of: chosen))
    #expect(selection.reason.hasPrefix(model.kind.rawValue))
    #expect(!selection.reason.contains("\n"))
    #expect(selection.validation.contains("group-disjoint"))
    #expect(model.training.data.validation == selection.validation)
    #expect(model.provenance == SyntheticClips.provenance)

    // The frame-average candidate becomes the timeline head; no extra training for it.
    let head = try #require(model.frameClassifier)
    #expect(head.kind == .frameAverage)
    #expect(head.classes == model.classes)
    let clip = clips[0]
    let timeline = try #require(try model.timeline(features: clip.values, length: clip.length))
    #expect(timeline.count == clip.length)
    #expect(
      lines.contains { $0.hasPrefix("gru [2/6] epoch 1/25: loss ") && $0.contains("val accuracy") })
    #expect(!lines.contains { $0.hasPrefix("frame classifier") })

    // The selection survives the model file and explains itself in the report.
    let folder = try SyntheticClips.scratch()
    defer { try? FileManager.default.removeItem(at: folder) }
    let url = folder.appendingPathComponent("auto.vidi")
    try model.save(to: url)
    let loaded = try TrainedModel.load(from: url)
    #expect(loaded == model)
    let test = SyntheticClips.orderTask(clipsPerClass: 10, seed: 7, split: .test)
    let evaluation = try EvaluationWorkflow.evaluate(
      loaded, modelPath: url.path, clips: test, provenance: SyntheticClips.provenance)
    print("auto on the order task: test accuracy \(evaluation.metrics.accuracy)")
    #expect(evaluation.metrics.accuracy >= 0.9)
    let report = ReportInput(
      evaluation: evaluation, model: loaded, modelName: "auto.vidi", dataset: "synthetic")
    #expect(report.candidates.map(\.model) == ModelChoice.autoCandidates.map(\.rawValue))
    #expect(report.candidates.filter(\.isChosen).map(\.model) == [model.kind.rawValue])
    #expect(report.candidates.allSatisfy { !$0.history.validationLoss.isEmpty })
    #expect(report.selectionNote?.contains(selection.reason) == true)
  }

  @Test func crossValidationScoresEverySettingAndRefitsTheWinnerOnEveryClip() throws {
    let clips = SyntheticClips.orderTask(clipsPerClass: 24, seed: 5, flippedViews: true)
    let options = TrainingOptions(
      epochs: 12, seed: 2, threads: 2, candidates: [.linear, .gru, .frameAverage], folds: 3)
    var scored: [CandidateScore] = []
    var names: Set<String> = []
    let model = try TrainingWorkflow.train(
      clips, provenance: SyntheticClips.provenance, options: options,
      onEpoch: { names.insert($0.name) }, onScore: { scored.append($0) })

    let selection = try #require(model.selection)
    #expect(selection.candidates == scored)
    #expect(
      selection.candidates.dropLast().map(\.name) == [
        "linear (C=0.01)", "linear (C=0.1)", "linear (C=1)", "linear (C=10)", "gru (hidden 64)",
        "gru (hidden 128)", "frame-average",
      ])
    // The last candidate is the ensemble of the best setting of the three best models.
    let ensembles = selection.candidates.suffix(2).compactMap(\.members)
    #expect(ensembles.map(\.count) == [3])
    #expect(
      Set(ensembles[0].map { $0.components(separatedBy: " ")[0] })
        == ["linear", "gru", "frame-average"])
    for member in ensembles[0] {
      #expect(selection.candidates.contains { $0.name == member && $0.members == nil })
    }
    #expect(
      selection.candidates.last?.name == "ensemble of " + ensembles[0].joined(separator: " + "))
    for candidate in selection.candidates.dropLast() {
      #expect(candidate.foldAccuracies?.count == 3 && candidate.foldLosses?.count == 3)
      #expect(candidate.accuracySD != nil && candidate.lossSD != nil)
      // Each candidate's curves: the fold mean of every epoch run, one record for a solver.
      let history = try #require(candidate.history)
      #expect(history.map(\.epoch) == Array(1...history.count))
      #expect(history.allSatisfy { $0.validationLoss != nil && $0.validationAccuracy != nil })
      if candidate.model == .gru {
        #expect((candidate.epochs...12).contains(history.count))
      } else {
        #expect(history.count == 1)
      }
    }
    #expect(selection.rule == TrainingWorkflow.crossValidationRule)
    #expect(selection.validation == "3-fold cross-validation, stratified by class, group-disjoint")
    #expect(names.contains("gru (hidden 64) [2/3] fold 3/3"))
    #expect(
      names.contains(
        "refit \(selection.candidates[TrainingWorkflow.bestByCrossValidation(scored)].name)"))

    // Order matters here: a recurrent model wins, refit on every clip including flipped views,
    // for the folds' mean best epoch.
    let winner = selection.candidates[TrainingWorkflow.bestByCrossValidation(selection.candidates)]
    print("cross-validation on the order task: \(selection.reason)")
    #expect(model.kind == .gru && selection.chosen == .gru)
    #expect(selection.chosenSetting == winner.setting)
    #expect(model.hyperparameters == winner.hyperparameters)
    #expect(model.training.data.trainingClips == clips.count)
    #expect(model.training.history.count == winner.bestEpoch)
    #expect(
      selection.refit
        == "refit on all \(clips.count) training clips for \(winner.bestEpoch) epochs (the folds' mean best epoch)"
    )
    #expect(model.frameClassifier?.training.data.trainingClips == clips.count)

    // The same seed gives the same selection and the same model, bit for bit.
    let again = try TrainingWorkflow.train(
      clips, provenance: SyntheticClips.provenance, options: options)
    #expect(again.selection?.candidates.map(\.foldAccuracies) == scored.map(\.foldAccuracies))
    #expect(
      again.parameterSpecs.map { again.parameter(named: $0.name) }
        == model.parameterSpecs.map { model.parameter(named: $0.name) })
  }

  /// A learning rate of 1e38 overflows the Adam-trained models in their first steps, while
  /// `linear` (fitted by L-BFGS, which has no learning rate) trains as usual.
  @Test(arguments: [nil, 3] as [Int?])
  func aDivergingCandidateIsSkippedAndNamed(folds: Int?) throws {
    let clips = SyntheticClips.orderTask(clipsPerClass: 12, seed: 2)
    var options = TrainingOptions(
      learningRate: 1e38, validationFraction: 0.25, seed: 1, threads: 2,
      candidates: [.meanPool, .linear], folds: folds)
    options.penaltyC = 1
    var skippedNow: [SkippedCandidate] = []
    var scored: [CandidateScore] = []
    let model = try TrainingWorkflow.train(
      clips, provenance: nil, options: options, onScore: { scored.append($0) },
      onSkip: { skippedNow.append($0) })

    let selection = try #require(model.selection)
    #expect(model.kind == .linear && selection.chosen == .linear)
    #expect(selection.candidates.map(\.model) == [.linear])
    #expect(scored == selection.candidates)
    let skipped = try #require(selection.skipped)
    #expect(skipped == skippedNow)
    #expect(skipped.map(\.name) == ["mean-pool"])
    #expect(skipped[0].reason.hasPrefix("training diverged: the loss is not finite in epoch "))
  }

  @Test func whenEveryCandidateFailsTheFirstFailureEndsTheRun() throws {
    let clips = SyntheticClips.orderTask(clipsPerClass: 12, seed: 2)
    let options = TrainingOptions(
      learningRate: 1e38, validationFraction: 0.25, seed: 1, threads: 1,
      candidates: [.meanPool, .meanPool])
    var skipped = 0
    #expect {
      try TrainingWorkflow.train(
        clips, provenance: nil, options: options, onSkip: { _ in skipped += 1 })
    } throws: { error in
      "\(error)".hasPrefix("training diverged: the loss is not finite in epoch ")
    }
    #expect(skipped == 2)
  }

  /// The model is whatever cross-validation chose, the ensemble included: then every member
  /// is refit on all clips, the saved model averages them, and it loads and reports as such.
  @Test func theChosenCandidateIsTheSavedModelEnsembleOrNot() throws {
    let clips = SyntheticClips.orderTask(clipsPerClass: 24, seed: 5)
    let options = TrainingOptions(
      epochs: 12, seed: 2, threads: 2, candidates: [.gru, .lstm], folds: 3)
    let model = try TrainingWorkflow.train(
      clips, provenance: SyntheticClips.provenance, options: options)
    let selection = try #require(model.selection)
    print("gru, lstm and their ensemble on the order task: \(selection.reason)")
    let ensemble = try #require(selection.candidates.last)
    #expect(ensemble.members?.count == 2 && ensemble.name.hasPrefix("ensemble of "))
    let winner = selection.candidates[TrainingWorkflow.bestByCrossValidation(selection.candidates)]
    #expect(selection.isChosen(winner) && selection.chosenName == winner.name)
    #expect(selection.candidates.filter(selection.isChosen).count == 1)
    let kinds = (winner.members ?? [winner.name]).map { $0.components(separatedBy: " ")[0] }
    #expect(model.isEnsemble == (winner.members != nil))
    #expect(model.ensembleMembers.map(\.kind.rawValue) == kinds)
    #expect(model.ensembleMembers.allSatisfy { $0.training.data.trainingClips == clips.count })
    #expect(model.frameClassifier?.kind == .frameAverage)

    let folder = try SyntheticClips.scratch()
    defer { try? FileManager.default.removeItem(at: folder) }
    let url = folder.appendingPathComponent("chosen.vidi")
    try model.save(to: url)
    let loaded = try TrainedModel.load(from: url)
    #expect(loaded == model)
    let evaluation = try EvaluationWorkflow.evaluate(
      loaded, modelPath: url.path,
      clips: SyntheticClips.orderTask(clipsPerClass: 6, seed: 8, split: .test),
      provenance: SyntheticClips.provenance)
    #expect(evaluation.metrics.accuracy >= 0.9)
    let report = ReportInput(
      evaluation: evaluation, model: loaded, modelName: "chosen.vidi", dataset: "synthetic")
    #expect(report.candidates.filter(\.isChosen).map(\.model) == [winner.name])
  }

  @Test func crossValidationPrefersTheBetterCalibratedOfNearlyEqualCandidates() {
    func score(_ model: ModelKind, _ folds: [(Double, Double)]) -> CandidateScore {
      CandidateScore(
        model: model, folds: folds.map { (accuracy: $0.0, loss: $0.1) }, bestEpoch: 1, epochs: 1,
        seconds: 0, setting: nil, hyperparameters: nil)
    }
    // lstm has the best mean accuracy, linear is within one standard error with a lower loss;
    // gru is further away.
    let scores = [
      score(.linear, [(0.9, 0.2), (1.0, 0.1), (0.8, 0.3)]),
      score(.gru, [(0.7, 0.05), (0.8, 0.05), (0.6, 0.05)]),
      score(.lstm, [(1.0, 0.3), (1.0, 0.2), (0.8, 0.4)]),
    ]
    #expect(TrainingWorkflow.best(scores) == 2)
    #expect(TrainingWorkflow.bestByCrossValidation(scores) == 0)
  }

  /// The one-standard-error rule: the simplest kind near the best wins even with a higher log
  /// loss; among that kind's settings the lowest log loss; a simpler kind further away loses.
  @Test func crossValidationPrefersTheSimplestKindNearTheBest() {
    func score(_ model: ModelKind, _ setting: String?, _ folds: [(Double, Double)])
      -> CandidateScore
    {
      CandidateScore(
        model: model, folds: folds.map { (accuracy: $0.0, loss: $0.1) }, bestEpoch: 1, epochs: 1,
        seconds: 0, setting: setting, hyperparameters: nil)
    }
    var ensemble = score(.lstm, nil, [(1.0, 0.01), (1.0, 0.01), (0.8, 0.01)])
    ensemble.members = ["lstm", "gru"]
    let scores = [
      score(.gru, "hidden 64", [(0.9, 0.1), (0.9, 0.1), (0.9, 0.1)]),
      score(.linear, "C=1", [(0.9, 0.4), (1.0, 0.3), (0.8, 0.5)]),
      score(.linear, "C=10", [(0.9, 0.3), (1.0, 0.2), (0.8, 0.4)]),
      score(.lstm, nil, [(1.0, 0.05), (1.0, 0.05), (0.8, 0.05)]),
      ensemble,
    ]
    #expect(TrainingWorkflow.bestByCrossValidation(scores) == 2)
    let reason = TrainingWorkflow.crossValidationReason(scores, winner: 2)
    #expect(reason.hasPrefix("linear (C=10) is the simplest of the 5 of 5 candidates"), "\(reason)")
    #expect(reason.contains("lowest mean log loss (0.3) of its 2 settings"), "\(reason)")

    let far = [score(.linear, nil, [(0.5, 0.1), (0.6, 0.1), (0.4, 0.1)])] + scores.dropFirst(3)
    #expect(TrainingWorkflow.bestByCrossValidation(far) == 1)
    #expect(
      ensemble.simplicityRank > ModelKind.allCases.map { score($0, nil, []).simplicityRank }.max()!)
  }

  @Test func theHeldOutShareIsReportedWhenWholeGroupsMoveIt() throws {
    let clips = SyntheticClips.orderTask(clipsPerClass: 12, groups: 3, seed: 2)
    let set = try TrainingSet(clips: clips, validationFraction: 0.1, seed: 1)
    #expect(set.validationShare == 1.0 / 3)
    #expect(
      set.validationDescription.hasPrefix("fraction 0.1 asked, 8 of 24 clips held out (33.3%)"))
    #expect(
      set.validationNote
        == "33.3% rather than 10%: whole groups go to validation (2 of 6 groups), so that no "
        + "group is on both sides")
  }

  @Test func aNamedModelTrainsAFrameClassifierAlongside() throws {
    let clips = SyntheticClips.orderTask(clipsPerClass: 12, seed: 2)
    var stages: Set<String> = []
    let model = try TrainingWorkflow.train(
      clips, provenance: nil,
      options: TrainingOptions(model: .model(.meanPool), epochs: 3, seed: 1, threads: 1)
    ) { progress in
      stages.insert(progress.line.components(separatedBy: " epoch").first!)
    }
    #expect(model.kind == .meanPool)
    #expect(model.selection == nil)
    #expect(model.frameClassifier?.kind == .frameAverage)
    #expect(stages == ["mean-pool", "frame classifier (frame-average)"])
  }

  @Test func frameAverageNeedsNoSeparateTimelineHead() throws {
    let clips = SyntheticClips.orderTask(clipsPerClass: 8, seed: 2)
    let model = try TrainingWorkflow.train(
      clips, provenance: nil,
      options: TrainingOptions(model: .model(.frameAverage), epochs: 2, seed: 1, threads: 1))
    #expect(model.frameClassifier == nil)
    #expect(model.hasTimeline)
  }

  @Test func theValidationSplitIsGroupDisjointAndKeepsFlippedViewsWithTheirClip() throws {
    for grouped in [true, false] {
      let clips = SyntheticClips.orderTask(
        clipsPerClass: 24, seed: 4, flippedViews: true, grouped: grouped)
      let set = try TrainingSet(clips: clips, validationFraction: 0.3, seed: 9)
      #expect(set.classes == ["backward", "forward"])
      #expect(!set.validation.clips.isEmpty)

      let groups = Dictionary(clips.map { ($0.path, $0.group) }, uniquingKeysWith: { a, _ in a })
      let heldPaths = Set(set.validationPaths)
      #expect(heldPaths.count == set.validationPaths.count, "validation holds original views only")
      #expect(heldPaths.isDisjoint(with: set.trainingPaths))
      if grouped {
        let heldGroups = Set(set.validationPaths.map { groups[$0]! })
        let trainedGroups = Set(set.trainingPaths.map { groups[$0]! })
        #expect(heldGroups.isDisjoint(with: trainedGroups))
      }
      // Every training clip comes with its flipped view, and only those.
      #expect(set.extraViews == set.trainingPaths.count / 2)
      #expect(
        set.training.clips.count + set.validation.clips.count == clips.count - heldPaths.count)
      #expect(Set(set.trainingPaths).count == set.extraViews)
      // Stratified: both classes are held out in about the asked fraction.
      let heldPerClass = set.validation.classCounts
      #expect(heldPerClass.allSatisfy { (4...12).contains($0) })
    }
  }

  @Test func autoWithoutValidationClipsIsAOneLineError() throws {
    let clips = SyntheticClips.orderTask(clipsPerClass: 4, seed: 2)
    let options = TrainingOptions(epochs: 1, validationFraction: 0, seed: 1)
    #expect(throws: WorkflowError.noValidationClips(dataset: "training set")) {
      try TrainingWorkflow.train(clips, provenance: nil, options: options)
    }
  }

  @Test func badTrainingSetsAreOneLineErrors() throws {
    let clips = SyntheticClips.orderTask(clipsPerClass: 3, seed: 2)
    #expect(throws: WorkflowError.tooFewClasses(dataset: "training set", classes: ["forward"])) {
      try TrainingSet(
        clips: clips.filter { $0.label == "forward" }, validationFraction: 0.2, seed: 0)
    }
    #expect(throws: WorkflowError.noClips(dataset: "training set", part: "the training clips")) {
      try TrainingSet(clips: [], validationFraction: 0.2, seed: 0)
    }
    var unlabeled = clips
    unlabeled[2].label = nil
    #expect(throws: WorkflowError.unlabeled(path: clips[2].path)) {
      try TrainingSet(clips: unlabeled, validationFraction: 0.2, seed: 0)
    }
    let narrow = ClipFeatures(
      path: "narrow.mp4", label: "forward", frameCount: 1, dimension: 4, values: [0, 0, 0, 0],
      length: 1, frameIndices: [0])
    let error = WorkflowError.dimensionMismatch(path: "narrow.mp4", found: 4, expected: 16)
    #expect(throws: error) {
      try TrainingSet(clips: clips + [narrow], validationFraction: 0.2, seed: 0)
    }
    #expect(!error.description.contains("\n") && error.description.hasPrefix("narrow.mp4: "))
  }

  @Test func modelArgumentsParse() {
    #expect(ModelChoice(argument: "auto") == .auto)
    #expect(ModelChoice(argument: "seed-gru") == .model(.seedGRU))
    #expect(ModelChoice(argument: "svm") == nil)
    #expect(ModelChoice.model(.frameAverage).description == "frame-average")
  }

  @Test func tiesGoToTheLowerValidationLossThenTheEarlierCandidate() {
    func score(_ model: ModelKind, _ accuracy: Double, _ loss: Double) -> CandidateScore {
      CandidateScore(
        model: model, validationAccuracy: accuracy, validationLoss: loss, bestEpoch: 1, epochs: 1,
        seconds: 0)
    }
    let tied = [score(.gru, 0.9, 0.3), score(.lstm, 0.9, 0.2), score(.meanPool, 0.8, 0.1)]
    #expect(TrainingWorkflow.best(tied) == 1)
    let exact = [score(.gru, 0.9, 0.3), score(.lstm, 0.9, 0.3)]
    #expect(TrainingWorkflow.best(exact) == 0)
    #expect(TrainingWorkflow.best([score(.gru, 0.5, 0.1), score(.lstm, 0.6, 0.9)]) == 1)
  }
}
