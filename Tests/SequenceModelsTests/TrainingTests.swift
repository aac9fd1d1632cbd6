import Foundation
import SequenceModels
import Testing

@Suite struct TrainingTests {
  @Test func sameSeedGivesTheSameModelAndOtherSeedsDiffer() throws {
    let data = Synthetic.orderTask(clips: 96, seed: 5)
    var config = TrainingConfig(model: .gru, seed: 11)
    config.hyperparameters.hiddenSize = 16
    config.epochs = 4
    config.threads = 2
    let first = try Trainer.train(data, config: config)
    let second = try Trainer.train(data, config: config)
    #expect(first.training.history.map(\.loss) == second.training.history.map(\.loss))
    #expect(
      first.training.history.map(\.validationLoss) == second.training.history.map(\.validationLoss))
    let probe = data.clips[0]
    #expect(
      try first.predict(features: probe.features, length: probe.length)
        == second.predict(features: probe.features, length: probe.length))
    config.seed = 12
    let other = try Trainer.train(data, config: config)
    #expect(other.training.history.map(\.loss) != first.training.history.map(\.loss))
  }

  @Test func historyCallbackAndBestEpoch() throws {
    let data = Synthetic.orderFreeTask(clips: 80, seed: 6)
    var config = TrainingConfig(model: .meanPool, seed: 2)
    config.epochs = 8
    config.patience = nil
    var seen: [EpochRecord] = []
    let model = try Trainer.train(data, validation: .fraction(0.25), config: config) {
      seen.append($0)
    }
    let history = model.training.history
    #expect(seen == history)
    #expect(history.map(\.epoch) == Array(1...8))
    #expect(history.allSatisfy { $0.validationLoss != nil && $0.seconds >= 0 })
    let best = history.min { $0.validationLoss! < $1.validationLoss! }!
    #expect(model.training.bestEpoch == best.epoch)
    #expect(model.training.data.trainingClips + model.training.data.validationClips == 80)
    #expect(model.training.data.validationClipsPerClass == [5, 5, 5, 5])
  }

  @Test func earlyStoppingEndsAfterPatienceEpochsWithoutImprovement() throws {
    // Labels unrelated to the features: validation loss soon stops improving.
    var data = Synthetic.orderFreeTask(clips: 120, seed: 7)
    var generator = SeededGenerator(seed: 1)
    for i in data.clips.indices { data.clips[i].label = Int(generator.next() % 4) }
    var config = TrainingConfig(model: .frameAverage, seed: 3)
    config.hyperparameters.layers = 1
    config.epochs = 200
    config.patience = 3
    let model = try Trainer.train(data, validation: .fraction(0.3), config: config)
    let history = model.training.history
    #expect(history.count < 200)
    #expect(history.count == model.training.bestEpoch + 3)
  }

  @Test func explicitValidationSetIsUsedAsGiven() throws {
    let train = Synthetic.orderFreeTask(clips: 40, seed: 8)
    let held = Synthetic.orderFreeTask(clips: 12, seed: 9)
    var config = TrainingConfig(model: .meanPool)
    config.epochs = 2
    let model = try Trainer.train(train, validation: .dataset(held), config: config)
    #expect(model.training.data.trainingClips == 40)
    #expect(model.training.data.validationClips == 12)
    var wrong = held
    wrong.classes[0] = "other"
    #expect(throws: SequenceModelError.self) {
      try Trainer.train(train, validation: .dataset(wrong), config: config)
    }
  }

  @Test func invalidInputsAreRejectedWithOneLineErrors() {
    let data = Synthetic.orderFreeTask(clips: 8, seed: 1)
    var bad = data
    bad.clips[3].label = 9
    #expect(
      throws: SequenceModelError.invalidData("training set clip 3: label 9 is not one of 4 classes")
    ) {
      try Trainer.train(bad, config: TrainingConfig(model: .gru))
    }
    var seed = TrainingConfig(model: .seedGRU)
    seed.hyperparameters.hiddenSize = 32
    #expect(throws: SequenceModelError.self) { try Trainer.train(data, config: seed) }
    #expect(!SequenceModelError.diverged(epoch: 3).description.contains("\n"))
  }

  @Test func validationSplitIsStratifiedAndGroupDisjoint() {
    // 3 classes × 10 groups × 3 clips.
    var labels: [Int] = []
    var groups: [String?] = []
    for label in 0..<3 {
      for group in 0..<10 {
        for _ in 0..<3 {
          labels.append(label)
          groups.append("c\(label)g\(group)")
        }
      }
    }
    let (train, held) = ValidationSplit.split(
      labels: labels, groups: groups, fraction: 0.3, seed: 4)
    #expect(Set(train).isDisjoint(with: held))
    #expect(train.count + held.count == labels.count)
    #expect(Set(train.map { groups[$0]! }).isDisjoint(with: held.map { groups[$0]! }))
    for label in 0..<3 {
      #expect(held.filter { labels[$0] == label }.count == 9)
    }
    // Without groups: per class, the nearest whole number of clips, never a whole class.
    let ungrouped = ValidationSplit.split(
      labels: [0, 0, 0, 0, 0, 1, 1], groups: Array(repeating: nil, count: 7), fraction: 0.4,
      seed: 1)
    #expect(ungrouped.validation.filter { $0 < 5 }.count == 2)
    #expect(ungrouped.validation.filter { $0 >= 5 }.count == 1)
    // A class-sorted list must not lose a whole class to validation (the classic bug).
    #expect(Set(ungrouped.training.map { $0 < 5 }) == [true, false])
  }

  @Test func adamFirstStepMovesByTheLearningRate() {
    var adam = Adam(count: 2, learningRate: 1e-3, weightDecay: 0.1, decaying: [0..<1])
    var parameters: [Float] = [1, 1]
    adam.update(&parameters, gradients: [0.5, -2])
    // Bias-corrected first step: lr · sign(g); decay shrinks only the first by lr · wd.
    #expect(abs(parameters[0] - (1 * (1 - 1e-4) - 1e-3)) < 1e-6)
    #expect(abs(parameters[1] - (1 + 1e-3)) < 1e-6)
  }

  @Test func globalNormClipping() {
    var gradients: [Float] = [3, 4]
    #expect(clipGlobalNorm(&gradients, maximum: 1) == 5)
    #expect(abs(gradients[0] - 0.6) < 1e-6 && abs(gradients[1] - 0.8) < 1e-6)
    var small: [Float] = [0.3, 0.4]
    clipGlobalNorm(&small, maximum: 1)
    #expect(small == [0.3, 0.4])
  }
}
