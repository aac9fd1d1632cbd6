import Dispatch
import Foundation
import NumericCore

/// How the frames given to `FrameEncoder` are scaled.
public enum FrameInput: Sendable {
  /// RGB values 0...255, as decoded; the encoder applies its backbone's normalisation.
  case pixelValues
  /// Already the network's input (normalised), as reference fixtures are.
  case normalized
}

/// Pooled features (and, for backbones with a classifier, class logits) of a batch of frames.
public struct FrameEncoding: Sendable {
  public let count: Int
  public let featureCount: Int
  /// `count × featureCount`, frame after frame.
  public let features: [Float]
  /// `count × classCount`, frame after frame; nil for backbones without a classifier.
  public let logits: [Float]?

  /// The feature vector of frame `index`.
  public func feature(_ index: Int) -> ArraySlice<Float> {
    features[(index * featureCount)..<((index + 1) * featureCount)]
  }

  /// The logits of frame `index`.
  public func logits(_ index: Int) -> ArraySlice<Float>? {
    guard let logits else { return nil }
    let classes = logits.count / count
    return logits[(index * classes)..<((index + 1) * classes)]
  }
}

/// Turns frames into 1280-d feature vectors with a pretrained backbone.
///
/// Frames are `inputSize × inputSize` RGB, NHWC with interleaved channels (what VideoIO
/// delivers), one after another. The weights are read, batch norms folded and everything packed
/// once at creation; each worker thread has its own activation buffers, allocated once too.
///
/// Concurrency: an encoder is `Sendable` and may be shared between tasks, but one encoding
/// runs at a time (an internal lock serialises calls), since each call already keeps `threads`
/// cores busy: every worker encodes whole frames while there are enough, and all workers split
/// the layers of the frames left over (a batch of one included). Create several encoders with
/// fewer threads each to run batches side by side.
public final class FrameEncoder: @unchecked Sendable {
  public let backbone: BackboneID
  /// Side of the square input frames, in pixels.
  public let inputSize: Int
  /// Length of each frame's feature vector.
  public let featureCount: Int
  /// Number of classes the backbone's classifier scores, if it has one.
  public let classCount: Int?
  /// Worker threads per call.
  public let threads: Int
  /// Multiply-adds per frame (convolutions and classifier), for throughput reports.
  public let multiplyAddsPerFrame: Int
  /// The number format of the 1×1 convolutions' products.
  public let precision: Precision

  private let network: Network
  private let lock = NSLock()
  /// One set per worker, used under `lock`.
  private let frameBuffers: [FrameBuffers]
  private let bandBuffers: [BandBuffers]

  /// Loads the backbone's published weights from Vidi's model cache (`vidi models fetch`).
  public convenience init(
    backbone: BackboneID, store: ModelStore = ModelStore(), threads: Int? = nil,
    precision: Precision = .f32
  )
    throws
  {
    try self.init(
      backbone: backbone, checkpoint: store.checkpointURL(for: backbone), threads: threads,
      precision: precision)
  }

  /// Reads `checkpoint` (the backbone's published PyTorch weights) and builds the encoder.
  public convenience init(
    backbone: BackboneID, checkpoint: URL, threads: Int? = nil, precision: Precision = .f32
  )
    throws(CheckpointError)
  {
    try self.init(
      backbone: backbone, stateDict: TorchCheckpoint.load(contentsOf: checkpoint),
      threads: threads, precision: precision)
  }

  /// Builds the encoder from an already-read state dict.
  ///
  /// - Parameters:
  ///   - threads: worker threads per call; by default one per active processor.
  ///   - precision: the 1×1 convolutions' number format; this CPU must support it
  ///     (`Precision.isSupported`).
  public convenience init(
    backbone: BackboneID, stateDict: StateDict, threads: Int? = nil, precision: Precision = .f32
  )
    throws(CheckpointError)
  {
    try self.init(
      backbone: backbone,
      network: Self.network(backbone: backbone, stateDict: stateDict, precision: precision),
      threads: threads, precision: precision)
  }

  /// `count` encoders of `threads` workers each, to run side by side, built from one copy of
  /// the packed weights: they share it (it is read-only), so the weights are folded and packed
  /// once and the cores' shared cache holds one copy instead of `count`. Each has its own
  /// activation buffers and lock.
  public static func replicas(
    _ count: Int, backbone: BackboneID, stateDict: StateDict, threads: Int? = nil,
    precision: Precision = .f32
  ) throws(CheckpointError) -> [FrameEncoder] {
    let network = try network(backbone: backbone, stateDict: stateDict, precision: precision)
    return (0..<max(count, 0)).map { _ in
      FrameEncoder(backbone: backbone, network: network, threads: threads, precision: precision)
    }
  }

  private static func network(
    backbone: BackboneID, stateDict: StateDict, precision: Precision
  ) throws(CheckpointError) -> Network {
    let reference =
      switch backbone {
      case .mobilenetV2: try MobileNetV2.network(from: stateDict)
      case .efficientnetLite0: try EfficientNetLite.network(.lite0, from: stateDict)
      case .efficientnetLite1: try EfficientNetLite.network(.lite1, from: stateDict)
      case .efficientnetLite2: try EfficientNetLite.network(.lite2, from: stateDict)
      }
    return precision == .f32 ? reference : reference.converted(to: precision)
  }

  private init(backbone: BackboneID, network: Network, threads: Int?, precision: Precision) {
    self.backbone = backbone
    self.precision = precision
    self.network = network
    inputSize = network.inputSize
    featureCount = network.featureCount
    classCount = network.classifier?.outputChannels
    multiplyAddsPerFrame = network.multiplyAdds
    self.threads = max(1, threads ?? ProcessInfo.processInfo.activeProcessorCount)
    frameBuffers = (0..<self.threads).map { _ in FrameBuffers(network: network) }
    bandBuffers = (0..<self.threads).map { _ in BandBuffers(network: network) }
  }

  private static let serial: Fork = { _, body in body(0) }
  private static let parallel: Fork = { count, body in
    DispatchQueue.concurrentPerform(iterations: count, execute: body)
  }

  /// Floats in one frame: `inputSize × inputSize × 3`.
  public var valuesPerFrame: Int { inputSize * inputSize * 3 }

  /// Encodes `count` frames stored one after another in `frames`.
  public func encode(
    frames: UnsafeBufferPointer<Float>, count: Int, input: FrameInput = .pixelValues
  ) -> FrameEncoding {
    let features = features(frames: frames, count: count, input: input)
    return FrameEncoding(
      count: count, featureCount: featureCount, features: features,
      logits: network.classifier.map { classify(features, count: count, with: $0) })
  }

  /// Encodes `count` frames stored one after another in `frames`.
  public func encode(frames: [Float], count: Int, input: FrameInput = .pixelValues)
    -> FrameEncoding
  {
    frames.withUnsafeBufferPointer { encode(frames: $0, count: count, input: input) }
  }

  /// The `count × featureCount` pooled features of `count` RGB 0...255 frames.
  public func features(frames: [Float], count: Int) -> [Float] {
    frames.withUnsafeBufferPointer { features(frames: $0, count: count) }
  }

  /// The `count × featureCount` pooled features of the `count` frames stored one after another
  /// in `frames`, without the classifier's logits: the classifier reads its megabytes of
  /// weights on every call, a few percent of the time of a call that encodes one frame.
  public func features(
    frames: UnsafeBufferPointer<Float>, count: Int, input: FrameInput = .pixelValues
  ) -> [Float] {
    precondition(frames.count == count * valuesPerFrame, "frames must be count × S × S × 3")
    let featureCount = featureCount
    let valuesPerFrame = valuesPerFrame
    let features = [Float](unsafeUninitializedCapacity: count * featureCount) { buffer, filled in
      guard let frames = frames.baseAddress, let features = buffer.baseAddress else { return }
      // Workers read and write only their own frames.
      nonisolated(unsafe) let source = frames
      nonisolated(unsafe) let target = features
      lock.withLock {
        // Whole frames per worker while every worker has one; the rest with all workers
        // splitting each layer.
        let workers = threads
        let whole = count / workers * workers
        if whole > 0 {
          DispatchQueue.concurrentPerform(iterations: workers) { worker in
            let pass = FramePass(
              network: network, frame: frameBuffers[worker], bands: [bandBuffers[worker]],
              fork: Self.serial)
            for frame in stride(from: worker, to: whole, by: workers) {
              pass.encode(
                source + frame * valuesPerFrame, normalized: input == .normalized,
                feature: target + frame * featureCount)
            }
          }
        }
        let shared = FramePass(
          network: network, frame: frameBuffers[0], bands: bandBuffers, fork: Self.parallel)
        for frame in whole..<count {
          shared.encode(
            source + frame * valuesPerFrame, normalized: input == .normalized,
            feature: target + frame * featureCount)
        }
      }
      filled = count * featureCount
    }
    return features
  }

  private func classify(_ features: [Float], count: Int, with classifier: PointwiseConvolution)
    -> [Float]
  {
    let classes = classifier.outputChannels
    return [Float](unsafeUninitializedCapacity: count * classes) { buffer, filled in
      features.withUnsafeBufferPointer { source in
        guard let input = source.baseAddress, let output = buffer.baseAddress else { return }
        classifier.apply(
          input: input, pixels: count, output: PixelLayout(compact: output, channels: classes),
          activation: .identity)
      }
      filled = count * classes
    }
  }
}
