import ArgumentParser
import Backbones
import Foundation
import NumericCore
import Pipeline
import Reporting

/// `vidi models check`: the self-test a user runs after installing, since BLAS builds and CPUs
/// differ: each backbone, in each precision this CPU runs, against the reference
/// implementation's output.
struct ModelsCheck: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "check",
    abstract: "Run the backbones on built-in inputs and compare with the reference outputs.",
    discussion: """
      Encodes the built-in synthetic frame and compares the features (and the EfficientNet-Lite \
      models' logits) with the reference PyTorch implementation's: in f32 within max absolute error \
      \(BackboneSelfTest.absoluteTolerance) and relative L2 error \
      \(BackboneSelfTest.relativeTolerance); in bf16 (bfloat16 products, float32 sums) within \
      relative L2 error \(BackboneSelfTest.tolerance(for: .bf16).relativeL2) and cosine \
      similarity \(BackboneSelfTest.tolerance(for: .bf16).cosine). For the EfficientNet-Lite models \
      it also classifies the built-in cat photo and expects the reference's top-5 ImageNet classes.

      Without ids, checks every backbone with weights in the cache (the default one when none \
      has); without --precision, in every precision this CPU runs. Exits non-zero when a check \
      fails or a backbone cannot be loaded.

      Examples:
        vidi models check
        vidi models check mobilenet-v2 --precision bf16 --json
      """)

  @Argument(help: "Backbones to check.")
  var backbones: [BackboneID] = []

  @Option(help: "Check only this precision: auto (the fastest this CPU runs), f32 or bf16.")
  var precision: PrecisionChoice?

  @Flag(help: "Print JSON instead of text.")
  var json = false

  func run() throws {
    let store = ModelStore()
    var precisions = Precision.supported
    do {
      if let precision { precisions = [try precision.resolved()] }
    } catch {
      Console.failure(error.description)
      throw ExitCode.failure
    }
    let results = store.selection(backbones).flatMap { backbone in
      precisions.map { Self.check(backbone, precision: $0, store: store) }
    }
    if json {
      print(try PrettyJSON.string(["results": results], keys: .convertToSnakeCase))
    } else {
      results.forEach(Self.printText)
    }
    if results.contains(where: { !$0.pass }) { throw ExitCode.failure }
  }

  private static func check(_ backbone: BackboneID, precision: Precision, store: ModelStore)
    -> Report
  {
    do {
      let encoder = try FrameEncoder(backbone: backbone, store: store, precision: precision)
      return Report(result: try BackboneSelfTest.run(encoder))
    } catch {
      return Report(backbone: backbone, precision: precision, error: "\(error)")
    }
  }

  private static func printText(_ report: Report) {
    if let error = report.error {
      Console.failure(error)
      return
    }
    let verdict = report.pass ? "pass" : "FAIL"
    let absolute = report.tolerance.map { "tolerance \(scientific($0))" } ?? "not bounded"
    print(
      "\(report.backbone) \(report.precision): \(verdict)  max abs error "
        + "\(scientific(report.maxAbsError)) (\(absolute)), relative "
        + "\(scientific(report.maxRelError)) (tolerance \(scientific(report.relativeTolerance))), "
        + "cosine \(report.cosine.map { String(format: "%.6f", $0) } ?? "-") "
        + "(at least \(report.minimumCosine))")
    if let top5 = report.top5, let reference = report.referenceTop5 {
      let same =
        top5 == reference
        ? "same as the reference"
        : "reference \(reference)\(report.top5NearTie ? ", a near-tie in the reference" : "")"
      print("  synthetic frame top-5 classes: \(top5) (\(same))")
    }
    if let cat = report.catTop5 {
      let classes = cat.map { "\($0.name) \(LabelProbability.percent(Float($0.probability)))" }
      print("  cat photo: \(classes.joined(separator: ", "))")
    }
  }

  private static func scientific(_ value: Double?) -> String {
    value.map { String(format: "%.1e", $0) } ?? "-"
  }

  /// One backbone's outcome, with the keys scripts read.
  private struct Report: Encodable {
    var backbone: String
    var precision: String
    var maxAbsError: Double?
    var maxRelError: Double?
    var cosine: Double?
    var tolerance: Double?
    var relativeTolerance: Double
    var minimumCosine: Double
    var top5: [Int]?
    var referenceTop5: [Int]?
    var top5NearTie = false
    var catTop5: [BackboneSelfTest.ClassScore]?
    var pass: Bool
    var error: String?

    init(result: BackboneSelfTest.Result) {
      backbone = result.backbone.rawValue
      precision = result.precision.rawValue
      maxAbsError = result.maxAbsoluteError
      maxRelError = result.maxRelativeError
      cosine = result.minCosine
      tolerance = result.tolerance.maxAbsolute
      relativeTolerance = result.tolerance.relativeL2
      minimumCosine = result.tolerance.cosine
      top5 = result.top5
      referenceTop5 = result.referenceTop5
      top5NearTie = result.top5 != result.referenceTop5 && result.top5Agrees
      catTop5 = result.catTop5
      pass = result.passed
    }

    init(backbone: BackboneID, precision: Precision, error: String) {
      self.backbone = backbone.rawValue
      self.precision = precision.rawValue
      let tolerance = BackboneSelfTest.tolerance(for: precision)
      self.tolerance = tolerance.maxAbsolute
      relativeTolerance = tolerance.relativeL2
      minimumCosine = tolerance.cosine
      pass = false
      self.error = error
    }
  }
}
