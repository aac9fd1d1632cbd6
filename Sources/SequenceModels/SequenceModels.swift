/// SequenceModels: classifiers over sequences of frame features, and their training.
///
/// GRU and LSTM layers, the frame-averaging and mean-pooling baselines, softmax cross-entropy,
/// Adam, the training loop with masking and validation, and the `.vidi` model file. Forward and
/// backward passes are written out by hand on the numeric core.

/// The classifier architectures `vidi train --model` accepts.
public enum ModelKind: String, CaseIterable, Sendable, Codable {
  case seedGRU = "seed-gru"
  case gru
  case lstm
  case frameAverage = "frame-average"
  case meanPool = "mean-pool"
}
