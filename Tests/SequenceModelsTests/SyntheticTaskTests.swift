import Foundation
import SequenceModels
import Testing

/// The models on tasks with a known answer, with their default settings.
@Suite struct SyntheticTaskTests {
  static let orderTrain = Synthetic.orderTask(clips: 320, seed: 1)
  static let orderTest = Synthetic.orderTask(clips: 200, seed: 2)
  static let freeTrain = Synthetic.orderFreeTask(clips: 320, seed: 3)
  static let freeTest = Synthetic.orderFreeTask(clips: 200, seed: 4)

  static func train(_ kind: ModelKind, on dataset: SequenceDataset) throws -> TrainedModel {
    var config = TrainingConfig(model: kind, seed: 1)
    config.threads = 2
    return try Trainer.train(dataset, validation: .fraction(0.2), config: config)
  }

  @Test(arguments: [ModelKind.gru, .lstm])
  func recurrentModelsLearnOrder(kind: ModelKind) throws {
    let model = try Self.train(kind, on: Self.orderTrain)
    let accuracy = try Synthetic.accuracy(model, on: Self.orderTest)
    print("order task, \(kind.rawValue): held-out accuracy \(accuracy)")
    #expect(accuracy >= 0.95)
  }

  @Test(arguments: [ModelKind.frameAverage, .meanPool])
  func bagOfFramesModelsCannotSeeOrder(kind: ModelKind) throws {
    let model = try Self.train(kind, on: Self.orderTrain)
    let accuracy = try Synthetic.accuracy(model, on: Self.orderTest)
    print("order task, \(kind.rawValue): held-out accuracy \(accuracy)")
    // Four classes: chance is 0.25.
    #expect(accuracy < 0.4)
  }

  @Test(arguments: ModelKind.allCases)
  func everyModelLearnsAnOrderFreeTask(kind: ModelKind) throws {
    let model = try Self.train(kind, on: Self.freeTrain)
    let accuracy = try Synthetic.accuracy(model, on: Self.freeTest)
    print("order-free task, \(kind.rawValue): held-out accuracy \(accuracy)")
    #expect(accuracy >= 0.9)
  }
}
