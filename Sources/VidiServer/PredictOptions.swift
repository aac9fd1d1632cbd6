import Hummingbird
import HummingbirdCore
import Pipeline

/// The query of `POST /v1/predict`, mirroring `vidi predict`'s options: `top_k=N` (or `all`),
/// `timeline=1`, `tta=flip`, `reject=auto|P|none`, `segments=1`, plus `frames=1` for the sampled
/// frames and `name=` for a raw body's file name.
struct PredictOptions: Sendable {
  var topK: Int? = 5
  var timeline = false
  var flip = false
  var frames = false
  var name: String?
  /// `segments=1`: the video's segments on a time axis too (`vidi predict --segments`).
  var segments = false
  /// `reject=auto|P|none`, as `vidi predict --reject`.
  var reject = RejectOption.auto

  init(_ query: FlatDictionary<Substring, Substring>) throws(RequestError) {
    if let value = query["top_k"] {
      if value == "all" {
        topK = nil
      } else {
        guard let count = Int(value), count >= 1 else {
          throw RequestError(.badRequest, "top_k must be a positive number or all, not \(value)")
        }
        topK = count
      }
    }
    timeline = try Self.flag("timeline", query)
    frames = try Self.flag("frames", query)
    if let tta = query["tta"] {
      guard tta == "flip" || tta == "none" else {
        throw RequestError(.badRequest, "tta must be flip or none, not \(tta)")
      }
      flip = tta == "flip"
    }
    name = query["name"].map(String.init)
    segments = try Self.flag("segments", query)
    if let value = query["reject"] {
      guard let reject = RejectOption(argument: String(value)) else {
        throw RequestError(.badRequest, "reject must be auto, none or a probability, not \(value)")
      }
      self.reject = reject
    }
  }

  static func flag(_ name: String, _ query: FlatDictionary<Substring, Substring>)
    throws(RequestError) -> Bool
  {
    guard let value = query[Substring(name)] else { return false }
    switch value.lowercased() {
    case "1", "true", "yes", "": return true
    case "0", "false", "no": return false
    default: throw RequestError(.badRequest, "\(name) must be 1 or 0, not \(value)")
    }
  }
}
