/// Why a training, evaluation or prediction run on features cannot go ahead. Each description
/// is one line naming the dataset, clip or model and the reason.
public enum WorkflowError: Error, Equatable, CustomStringConvertible {
  /// `dataset` has no clips in `part` (e.g. "the train split").
  case noClips(dataset: String, part: String)
  /// A training or evaluation clip without a class label.
  case unlabeled(path: String)
  /// A clip whose feature width differs from the others' or from the model's.
  case dimensionMismatch(path: String, found: Int, expected: Int)
  /// Training needs at least two classes.
  case tooFewClasses(dataset: String, classes: [String])
  /// The dataset has classes the model was not trained on.
  case unknownClasses(modelPath: String, classes: [String], modelClasses: [String])
  /// A command-line feature option differs from what the model was trained with.
  case conflictingOption(modelPath: String, option: String, model: String, requested: String)
  /// `--model auto` compares candidates on validation clips, and there are none.
  case noValidationClips(dataset: String)
  /// `--model auto` with an empty candidate list.
  case noCandidates
  /// A candidate's kept weights have no finite validation score.
  case noValidationScore
  /// A model names a backbone or sampling this Vidi does not know.
  case unknownSetting(modelPath: String, setting: String, value: String)

  public var description: String {
    switch self {
    case .noClips(let dataset, let part):
      "\(dataset): no clips in \(part)"
    case .unlabeled(let path):
      "\(path): the clip has no class label"
    case .dimensionMismatch(let path, let found, let expected):
      "\(path): \(found)-d features where \(expected)-d are expected (extracted with another backbone?)"
    case .tooFewClasses(let dataset, let classes):
      "\(dataset): training needs at least two classes, found \(classes.count)"
        + (classes.isEmpty ? "" : " (\(classes.joined(separator: ", ")))")
    case .unknownClasses(let modelPath, let classes, let modelClasses):
      "\(modelPath): the dataset has classes the model was not trained on: "
        + "\(classes.joined(separator: ", ")) (the model knows \(modelClasses.joined(separator: ", ")))"
    case .conflictingOption(let modelPath, let option, let model, let requested):
      "\(modelPath): the model was trained with \(option) \(model); it cannot use \(option) \(requested)"
    case .noValidationClips(let dataset):
      "\(dataset): choosing a model needs validation clips (a class with two or more groups); "
        + "raise --val-fraction or name a model with --model"
    case .noCandidates:
      "model selection: no candidate models to train"
    case .noValidationScore:
      "model selection: the validation loss was never finite"
    case .unknownSetting(let modelPath, let setting, let value):
      "\(modelPath): the model's features use \(setting) \"\(value)\", which this Vidi does not know"
    }
  }
}
