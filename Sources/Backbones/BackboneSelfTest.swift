import Foundation
import NumericCore

/// Checks an encoder against the reference implementation's output on the built-in synthetic
/// frame and (for the classifier) on the built-in cat photo, the self-test a user runs after
/// installing (BLAS builds and CPUs differ).
public enum BackboneSelfTest {
  /// Largest accepted absolute difference of any feature or logit (about five times the
  /// worst float32 implementation measured against the float64 reference).
  public static let absoluteTolerance = 1e-4
  /// Largest accepted `‖computed − reference‖ / ‖reference‖`.
  public static let relativeTolerance = 2e-5

  /// What an encoder computing in a precision must meet against the float64 reference.
  public struct Tolerance: Sendable, Codable, Equatable {
    /// Largest absolute difference of any feature or logit; nil where rounding makes a
    /// per-element bound meaningless (only the vector-wide ones apply).
    public let maxAbsolute: Double?
    /// Largest `‖computed − reference‖ / ‖reference‖`.
    public let relativeL2: Double
    /// Smallest cosine similarity of features (and logits) with the reference.
    public let cosine: Double
  }

  /// float32: about five times the worst float32 implementation measured. bfloat16 products
  /// (8 significant bits) leave features about 1 % off in L2 (measured: MobileNetV2 0.6 %,
  /// Lite0 1.0 % on the synthetic frame); the bound is the cosine 0.999 that real frames keep.
  public static func tolerance(for precision: Precision) -> Tolerance {
    switch precision {
    case .f32:
      Tolerance(maxAbsolute: absoluteTolerance, relativeL2: relativeTolerance, cosine: 0.999_999)
    case .bf16: Tolerance(maxAbsolute: nil, relativeL2: 0.045, cosine: 0.999)
    }
  }

  /// A class and its softmax probability.
  public struct ClassScore: Sendable, Codable, Equatable {
    public let index: Int
    public let probability: Double
    public let name: String
  }

  /// The `k` most likely ImageNet classes for a frame's logits, most likely first.
  public static func topClasses(_ logits: some Collection<Float>, k: Int) -> [ClassScore] {
    let probabilities = softmax(Array(logits))
    let names = ImageNetClasses.names
    return topIndices(probabilities, k: k).map { index in
      ClassScore(
        index: index, probability: Double(probabilities[index]),
        name: index < names.count ? names[index] : "class \(index)")
    }
  }

  /// The outcome for one backbone.
  public struct Result: Sendable, Codable, Equatable {
    public let backbone: BackboneID
    /// The encoder's number format, which sets the tolerance.
    public let precision: Precision
    /// Error of the pooled feature vector.
    public let feature: VectorError
    /// Error of the class logits, for backbones with a classifier.
    public let logits: VectorError?
    /// Indices of the five largest logits, largest first, and the reference's.
    public let top5: [Int]?
    public let referenceTop5: [Int]?
    /// The reference's logits of `top5` and of `referenceTop5`, to tell a near-tie from a
    /// wrong class.
    public let referenceLogitsOfTop5: [Double]?
    public let referenceTop5Logits: [Double]?
    /// The five most likely classes for the cat photo, for backbones with a classifier.
    public let catTop5: [ClassScore]?
    /// The reference's five most likely classes for the cat photo (scikit-image's `chelsea`,
    /// 300 × 451, cropped as `ReferenceCrop` does at the backbone's input size).
    public let referenceCatTop5: [Int]?

    /// The worst absolute error over features and logits.
    public var maxAbsoluteError: Double { max(feature.maxAbsolute, logits?.maxAbsolute ?? 0) }
    /// The worst relative (L2) error over features and logits.
    public var maxRelativeError: Double { max(feature.relativeL2, logits?.relativeL2 ?? 0) }
    /// The lowest cosine similarity over features and logits.
    public var minCosine: Double { min(feature.cosine, logits?.cosine ?? 1) }

    public var tolerance: Tolerance { BackboneSelfTest.tolerance(for: precision) }

    /// Within the precision's tolerances, with the reference's top-5 order for the synthetic
    /// frame and its top-5 classes for the cat.
    public var passed: Bool {
      maxAbsoluteError <= tolerance.maxAbsolute ?? .infinity
        && maxRelativeError <= tolerance.relativeL2 && minCosine >= tolerance.cosine
        && top5Agrees && catTop5?.map(\.index) == referenceCatTop5
    }

    /// The synthetic frame's top-5 equals the reference's; in a reduced precision two classes
    /// may swap where the reference's logits are closer than twice the measured logit error
    /// (Lite1's fifth and sixth classes are 0.047 apart; its bf16 logits are 0.16 off).
    public var top5Agrees: Bool {
      guard top5 != referenceTop5 else { return true }
      guard precision != .f32, let ours = referenceLogitsOfTop5,
        let theirs = referenceTop5Logits, let logits
      else { return false }
      return zip(ours, theirs).allSatisfy { abs($0 - $1) <= 2 * logits.maxAbsolute }
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
    var catTop5: [ClassScore]?
    if encoder.classCount != nil {
      let cat = encoder.encode(frames: try catFrame(size: encoder.inputSize), count: 1)
      catTop5 = cat.logits(0).map { topClasses($0, k: 5) }
    }
    let top5 = logits.map { topIndices($0, k: 5) }
    let referenceTop5 = golden.logits.map { topIndices($0, k: 5) }
    func reference(at indices: [Int]?) -> [Double]? {
      guard let indices, let reference = golden.logits else { return nil }
      return indices.map { reference[$0] }
    }
    return Result(
      backbone: encoder.backbone, precision: encoder.precision,
      feature: VectorError(encoding.feature(0), reference: golden.feature),
      logits: logitsError,
      top5: top5,
      referenceTop5: referenceTop5,
      referenceLogitsOfTop5: reference(at: top5),
      referenceTop5Logits: reference(at: referenceTop5),
      catTop5: catTop5,
      referenceCatTop5: golden.catTop5?.map(\.index))
  }

  /// The built-in cat photo, cropped to `size × size` RGB 0...255 as the reference was.
  public static func catFrame(size: Int = 224) throws(Failure) -> [Float] {
    guard let url = Bundle.module.url(forResource: "chelsea", withExtension: "rgb"),
      let data = try? Data(contentsOf: url), data.count == 300 * 451 * 3
    else {
      throw Failure(description: "chelsea.rgb: cat photo missing from Vidi's resources")
    }
    return ReferenceCrop.centreCrop(rgb: [UInt8](data), height: 300, width: 451, size: size)
  }

  /// The float64 reference outputs shipped with the module.
  private struct Golden: Decodable {
    var feature: [Double]
    var logits: [Double]?
    /// The cat photo's five most likely classes.
    var catTop5: [ClassScore]?

    private enum CodingKeys: String, CodingKey {
      case feature, logits
      case catTop5 = "cat_top5"
    }

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
