/// Shape of an activation: `batch` clips × `steps` time steps × `width` features, row-major.
struct ActivationShape: Equatable {
  var batch: Int
  var steps: Int
  var width: Int
  var rows: Int { batch * steps }
  var count: Int { rows * width }
}

/// What a layer's forward pass sees besides its input.
struct ForwardContext {
  let parameters: UnsafePointer<Float>
  /// 1 for a valid step, 0 for a masked one: `batch × steps` of the network's input.
  let mask: UnsafePointer<Float>
  let training: Bool
  /// Seeds the dropout masks of this pass; each dropout layer mixes in its own index.
  let dropoutSeed: UInt64
}

/// What a layer's backward pass sees besides the gradient of its output.
struct BackwardContext {
  let parameters: UnsafePointer<Float>
  /// Parameter gradients, accumulated into (the trainer zeroes them once per step).
  let gradients: UnsafeMutablePointer<Float>
  let mask: UnsafePointer<Float>
}

/// One stage of a network. Parameters live outside the layer, in one flat array shared by all
/// workers; a layer object holds only its offsets and the activations its backward pass needs,
/// so each worker builds its own layer objects.
protocol Layer: AnyObject {
  func outputShape(for input: ActivationShape) -> ActivationShape
  /// Runs the layer; the result stays valid until the next forward call.
  func forward(
    _ input: UnsafePointer<Float>, shape: ActivationShape, context: ForwardContext
  ) -> UnsafePointer<Float>
  /// Accumulates parameter gradients for the last forward call and returns the gradient of its
  /// input when `needsInputGradient` (nil otherwise).
  func backward(
    _ dOutput: UnsafePointer<Float>, context: BackwardContext, needsInputGradient: Bool
  ) -> UnsafePointer<Float>?
}

/// Adds `bias` to each of `rows` rows of `matrix` (row stride `ld`).
func addBias(
  _ bias: UnsafePointer<Float>, to matrix: UnsafeMutablePointer<Float>, rows: Int, width: Int,
  ld: Int
) {
  for row in 0..<rows {
    let line = matrix + row * ld
    for j in 0..<width { line[j] += bias[j] }
  }
}

/// Adds the column sums of `matrix` (`rows × width`, row stride `ld`) to `sums`.
func accumulateColumnSums(
  of matrix: UnsafePointer<Float>, rows: Int, width: Int, ld: Int,
  into sums: UnsafeMutablePointer<Float>
) {
  for row in 0..<rows {
    let line = matrix + row * ld
    for j in 0..<width { sums[j] += line[j] }
  }
}
