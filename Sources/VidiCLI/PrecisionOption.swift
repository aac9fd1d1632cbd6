import ArgumentParser
import Backbones
import NumericCore
import Pipeline

extension PrecisionChoice: ExpressibleByArgument {}

/// `--precision`, for every command that encodes frames.
struct PrecisionOption: ParsableArguments {
  @Option(
    help: """
      Number format of the backbone's 1x1 convolutions: auto (the fastest this CPU runs \
      correctly: bf16 with AVX512-BF16, else f32), f32, or bf16.
      """)
  var precision: PrecisionChoice = .auto

  /// The precision to run; a one-line error and a failing exit when this CPU cannot run it.
  func resolved() throws -> Precision {
    do {
      return try precision.resolved()
    } catch {
      Console.failure(error.description)
      throw ExitCode.failure
    }
  }
}
