// swift-tools-version: 6.0
import PackageDescription

let package = Package(
  name: "Vidi",
  platforms: [.macOS(.v14)],
  products: [
    .executable(name: "vidi", targets: ["VidiCLI"]),
    .executable(name: "vidi-bench-training", targets: ["VidiBenchTraining"]),
    .executable(name: "vidi-bench-pipeline", targets: ["VidiBenchPipeline"]),
    .executable(name: "vidi-fuzz", targets: ["VidiFuzz"]),
    .library(
      name: "Vidi",
      targets: ["Pipeline", "SequenceModels", "Backbones", "NumericCore", "VideoIO"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.19"),
    .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
  ],
  targets: [
    .systemLibrary(
      name: "CFFmpeg",
      pkgConfig: "libavformat",
      providers: [
        .apt(["libavformat-dev", "libavcodec-dev", "libswscale-dev", "libavutil-dev"]),
        .brew(["ffmpeg"]),
      ]),
    .systemLibrary(
      name: "COpenBLAS",
      pkgConfig: "openblas",
      providers: [.apt(["libopenblas-dev"])]),

    .target(name: "VideoIO", dependencies: ["CFFmpeg"]),
    // Kernels needing instruction types Swift cannot name (bfloat16), chosen at run time.
    .target(name: "CKernels"),
    .target(
      name: "NumericCore",
      dependencies: [
        "CKernels", .target(name: "COpenBLAS", condition: .when(platforms: [.linux])),
      ]),
    .target(
      name: "Backbones",
      dependencies: ["NumericCore", .product(name: "ZIPFoundation", package: "ZIPFoundation")],
      resources: [
        .copy("Resources/imagenet-classes.txt"),
        .copy("Resources/golden-mobilenet-v2.json"),
        .copy("Resources/golden-efficientnet-lite0.json"),
        .copy("Resources/golden-efficientnet-lite1.json"),
        .copy("Resources/golden-efficientnet-lite2.json"),
        .copy("Resources/chelsea.rgb"),
      ]),
    .target(name: "SequenceModels", dependencies: ["NumericCore"]),
    .target(name: "Pipeline", dependencies: ["VideoIO", "Backbones", "SequenceModels"]),
    .target(
      name: "VidiServer",
      dependencies: [
        "Pipeline", .product(name: "Hummingbird", package: "hummingbird"),
        .product(name: "HummingbirdCore", package: "hummingbird"),
      ]),
    .executableTarget(
      name: "VidiCLI",
      dependencies: [
        "Pipeline",
        "VidiServer",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]),
    // The Swift side of bench/training (run.sh compares it with PyTorch).
    .executableTarget(
      name: "VidiBenchTraining", dependencies: ["SequenceModels"], path: "bench/training/Swift"),
    // The Swift side of bench/backbones (run.sh compares it with ONNX Runtime).
    .executableTarget(
      name: "VidiBenchBackbones", dependencies: ["Backbones", "NumericCore"],
      path: "bench/backbones/Swift"),
    // The Swift side of bench/pipeline: the benchmark's clips, and Vidi's features of a few.
    .executableTarget(
      name: "VidiBenchPipeline", dependencies: ["Pipeline", "VideoIO"],
      path: "bench/pipeline/Swift"),
    // bench/fuzz: mutated videos, checkpoints and model folders, each read in a child process.
    .executableTarget(
      name: "VidiFuzz", dependencies: ["Pipeline", "VideoIO"], path: "bench/fuzz/Swift"),

    .testTarget(name: "VideoIOTests", dependencies: ["VideoIO"]),
    .testTarget(name: "NumericCoreTests", dependencies: ["NumericCore"]),
    .testTarget(
      name: "BackbonesTests",
      dependencies: ["Backbones", .product(name: "ZIPFoundation", package: "ZIPFoundation")],
      resources: [.copy("Fixtures")]),
    .testTarget(name: "SequenceModelsTests", dependencies: ["SequenceModels"]),
    .testTarget(
      name: "PipelineTests", dependencies: ["Pipeline"], resources: [.copy("Fixtures")]),
    .testTarget(name: "VidiCLITests", dependencies: ["VidiCLI", "Pipeline"]),
    .testTarget(name: "VidiServerTests", dependencies: ["VidiServer", "Pipeline"]),
  ],
  swiftLanguageModes: [.v6]
)
