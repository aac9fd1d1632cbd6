import Foundation

/// Checks an encoder against the reference implementation's output on the built-in synthetic
/// frame, the self-test a user runs after installing (BLAS builds and CPUs differ).
public enum BackboneSelfTest {
  /// Largest accepted absolute difference of any feature or logit (about five times the
  /// worst float32 implementation measured against the float64 reference).
  public static let absoluteTolerance = 1e-4
  /// Largest accepted `‖computed − reference‖ / ‖reference‖`.
  public static let relativeTolerance = 2e-5

  /// The outcome for one backbone.
  public struct Result: Sendable, Codable, Equatable {
    public let backbone: BackboneID
    /// Error of the pooled feature vector.
    public let feature: VectorError
    /// Error of the class logits, for backbones with a classifier.
    public let logits: VectorError?
    /// Indices of the five largest logits, largest first, and the reference's.
    public let top5: [Int]?
    public let referenceTop5: [Int]?

    /// The worst absolute error over features and logits.
    public var maxAbsoluteError: Double { max(feature.maxAbsolute, logits?.maxAbsolute ?? 0) }
    /// The worst relative (L2) error over features and logits.
    public var maxRelativeError: Double { max(feature.relativeL2, logits?.relativeL2 ?? 0) }

    /// Within both tolerances, with the reference's top-5 order.
    public var passed: Bool {
      maxAbsoluteError <= BackboneSelfTest.absoluteTolerance
        && maxRelativeError <= BackboneSelfTest.relativeTolerance && top5 == referenceTop5
    }
  }

  /// Why the self-test could not run.
  public struct Failure: Error, CustomStringConvertible {
    public let description: String
  }

  /// Runs `encoder` on the synthetic frame and compares with the stored reference.
  public static func run(_ encoder: FrameEncoder) throws(Failure) -> Result {
    let golden = try Golden.load(encoder.backbone)
    let encoding = encoder.encode(
      frames: SyntheticFrame.values(size: encoder.inputSize), count: 1, input: .normalized)
    let logits = encoding.logits(0).map(Array.init)
    var logitsError: VectorError?
    if let logits, let reference = golden.logits {
      logitsError = VectorError(logits, reference: reference)
    }
    return Result(
      backbone: encoder.backbone,
      feature: VectorError(encoding.feature(0), reference: golden.feature),
      logits: logitsError,
      top5: logits.map { topIndices($0, k: 5) },
      referenceTop5: golden.logits.map { topIndices($0, k: 5) })
  }

  /// The float64 reference outputs shipped with the module.
  private struct Golden: Decodable {
    var feature: [Double]
    var logits: [Double]?

    static func load(_ backbone: BackboneID) throws(Failure) -> Golden {
      let name = "golden-\(backbone.rawValue)"
      guard
        let url = Bundle.module.url(forResource: name, withExtension: "json"),
        let data = try? Data(contentsOf: url),
        let golden = try? JSONDecoder().decode(Golden.self, from: data)
      else {
        throw Failure(description: "\(name).json: reference vector missing from Vidi's resources")
      }
      return golden
    }
  }
}
