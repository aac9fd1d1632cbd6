import ArgumentParser
import Foundation
import Pipeline

/// `vidi models check`: the self-test a user runs after installing, since BLAS builds and CPUs
/// differ: each backbone against the reference implementation's output.
struct ModelsCheck: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "check",
    abstract: "Run the backbones on built-in inputs and compare with the reference outputs.",
    discussion: """
      Encodes the built-in synthetic frame and compares the features (and the EfficientNet-Lite
      models' logits) with the reference PyTorch implementation's, within max absolute error \
      \(BackboneSelfTest.absoluteTolerance) and relative L2 error \
      \(BackboneSelfTest.relativeTolerance); for the EfficientNet-Lite models it also classifies
      the built-in cat photo and expects the reference's top-5 ImageNet classes.

      Without ids, checks every backbone with weights in the cache (the default one when none
      has). Exits non-zero when a check fails or a backbone cannot be loaded.

      Examples:
        vidi models check
        vidi models check mobilenet-v2 --json
      """)

  @Argument(help: "Backbones to check.")
  var backbones: [BackboneID] = []

  @Flag(help: "Print JSON instead of text.")
  var json = false

  func run() throws {
    let store = ModelStore()
    let results = store.selection(backbones).map { Self.check($0, store: store) }
    if json {
      print(try PrettyJSON.string(["results": results]))
    } else {
      results.forEach(Self.printText)
    }
    if results.contains(where: { !$0.pass }) { throw ExitCode.failure }
  }

  private static func check(_ backbone: BackboneID, store: ModelStore) -> Report {
    do {
      let encoder = try FrameEncoder(backbone: backbone, store: store)
      return Report(backbone: backbone, result: try BackboneSelfTest.run(encoder))
    } catch {
      return Report(backbone: backbone, error: "\(error)")
    }
  }

  private static func printText(_ report: Report) {
    if let error = report.error {
      Console.failure(error)
      return
    }
    let verdict = report.pass ? "pass" : "FAIL"
    print(
      "\(report.backbone): \(verdict)  max abs error \(scientific(report.maxAbsError)) "
        + "(tolerance \(scientific(report.tolerance))), relative \(scientific(report.maxRelError)) "
        + "(tolerance \(scientific(report.relativeTolerance)))")
    if let top5 = report.top5, let reference = report.referenceTop5 {
      let same = top5 == reference ? "same as the reference" : "reference \(reference)"
      print("  synthetic frame top-5 classes: \(top5) (\(same))")
    }
    if let cat = report.catTop5 {
      let classes = cat.map { "\($0.name) \(Prediction.percent(Float($0.probability)))" }
      print("  cat photo: \(classes.joined(separator: ", "))")
    }
  }

  private static func scientific(_ value: Double?) -> String {
    value.map { String(format: "%.1e", $0) } ?? "-"
  }

  /// One backbone's outcome, with the keys scripts read.
  private struct Report: Encodable {
    var backbone: String
    var maxAbsError: Double?
    var maxRelError: Double?
    var tolerance = BackboneSelfTest.absoluteTolerance
    var relativeTolerance = BackboneSelfTest.relativeTolerance
    var top5: [Int]?
    var referenceTop5: [Int]?
    var catTop5: [BackboneSelfTest.ClassScore]?
    var pass: Bool
    var error: String?

    init(backbone: BackboneID, result: BackboneSelfTest.Result) {
      self.backbone = backbone.rawValue
      maxAbsError = result.maxAbsoluteError
      maxRelError = result.maxRelativeError
      top5 = result.top5
      referenceTop5 = result.referenceTop5
      catTop5 = result.catTop5
      pass = result.passed
    }

    init(backbone: BackboneID, error: String) {
      self.backbone = backbone.rawValue
      pass = false
      self.error = error
    }

    private enum CodingKeys: String, CodingKey {
      case backbone, tolerance, top5, pass, error
      case maxAbsError = "max_abs_error"
      case maxRelError = "max_rel_error"
      case relativeTolerance = "relative_tolerance"
      case referenceTop5 = "reference_top5"
      case catTop5 = "cat_top5"
    }
  }
}
