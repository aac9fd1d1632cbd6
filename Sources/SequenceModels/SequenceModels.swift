/// SequenceModels: classifiers over sequences of frame features, and their training.
///
/// GRU and LSTM layers, the frame-averaging and mean-pooling baselines, softmax cross-entropy,
/// Adam, the training loop with masking and validation, an L-BFGS solver for the linear
/// classifiers, cross-validation folds, and the `.vidi` model file. Forward and
/// backward passes are written out by hand on the numeric core.

/// The classifier architectures `vidi train --model` accepts.
public enum ModelKind: String, CaseIterable, Sendable, Codable {
  /// GRU(16, sequences) → GRU(8) → Dropout(0.4) → Dense(8, ReLU) → softmax: the classic Keras
  /// CNN-RNN video example's classifier, fixed.
  case seedGRU = "seed-gru"
  /// Stacked (optionally bidirectional) GRU layers, dropout, softmax on the last valid state.
  case gru
  /// As `gru`, with LSTM layers.
  case lstm
  /// A per-frame classifier trained on every valid frame with its clip's label; a clip's
  /// prediction is the mean of its frames' probabilities.
  case frameAverage = "frame-average"
  /// The mean of the valid frames' features, then a linear layer or a small MLP.
  case meanPool = "mean-pool"
  /// Multinomial logistic regression with an L2 penalty on the standardised mean of the valid
  /// frames' features, fitted full-batch to convergence (L-BFGS): no epochs, no randomness.
  case linear
}
