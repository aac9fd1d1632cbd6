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
      targets: [
        "Pipeline", "Reporting", "Demo", "SequenceModels", "Backbones", "NumericCore", "VideoIO",
      ]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.19"),
    .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
    // Already resolved through Hummingbird; named because the server imports them itself.
    .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
    .package(url: "https://github.com/apple/swift-nio.git", from: "2.81.0"),
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
    // Metrics, terminal text and HTML reports: Foundation only.
    .target(name: "Reporting"),
    .target(
      name: "Pipeline",
      dependencies: ["VideoIO", "NumericCore", "Backbones", "SequenceModels", "Reporting"]),
    // `vidi demo`: the stick-figure dataset and the whole method run on it.
    .target(name: "Demo", dependencies: ["Pipeline", "VideoIO", "SequenceModels", "Reporting"]),
    .target(
      name: "VidiServer",
      dependencies: [
        "Pipeline", "NumericCore", "Backbones", "SequenceModels", "Reporting",
        .product(name: "Hummingbird", package: "hummingbird"),
        .product(name: "HummingbirdCore", package: "hummingbird"),
        .product(name: "Logging", package: "swift-log"),
        .product(name: "NIOCore", package: "swift-nio"),
      ]),
    .executableTarget(
      name: "VidiCLI",
      dependencies: [
        "Pipeline", "Demo", "Reporting", "VidiServer", "VideoIO", "NumericCore", "Backbones",
        "SequenceModels", .product(name: "ArgumentParser", package: "swift-argument-parser"),
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
      name: "VidiBenchPipeline", dependencies: ["Pipeline", "Demo", "VideoIO"],
      path: "bench/pipeline/Swift"),
    // bench/fuzz: mutated videos, checkpoints and model folders, each read in a child process.
    .executableTarget(
      name: "VidiFuzz", dependencies: ["Pipeline", "VideoIO", "Backbones", "SequenceModels"],
      path: "bench/fuzz/Swift"),

    .testTarget(name: "VideoIOTests", dependencies: ["VideoIO"]),
    .testTarget(name: "NumericCoreTests", dependencies: ["NumericCore"]),
    .testTarget(
      name: "BackbonesTests",
      dependencies: ["Backbones", .product(name: "ZIPFoundation", package: "ZIPFoundation")],
      resources: [.copy("Fixtures")]),
    .testTarget(name: "SequenceModelsTests", dependencies: ["SequenceModels"]),
    .testTarget(name: "ReportingTests", dependencies: ["Reporting"]),
    .testTarget(
      name: "PipelineTests",
      dependencies: [
        "Pipeline", "Reporting", "VideoIO", "NumericCore", "Backbones", "SequenceModels",
        // The rendered stick-figure clips are the extraction tests' real videos.
        "Demo",
      ],
      resources: [.copy("Fixtures")]),
    .testTarget(name: "DemoTests", dependencies: ["Demo", "Pipeline", "VideoIO", "Backbones"]),
    .testTarget(
      name: "VidiCLITests",
      dependencies: [
        "VidiCLI", "Pipeline", "Demo", "NumericCore", "Backbones", "SequenceModels",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]),
    .testTarget(
      name: "VidiServerTests",
      dependencies: ["VidiServer", "Pipeline", "VideoIO", "Backbones"]),
  ],
  swiftLanguageModes: [.v6]
)
