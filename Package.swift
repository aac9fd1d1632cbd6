// swift-tools-version: 6.0
import PackageDescription

let package = Package(
  name: "Vidi",
  platforms: [.macOS(.v14)],
  products: [
    .executable(name: "vidi", targets: ["VidiCLI"]),
    .library(
      name: "Vidi",
      targets: ["Pipeline", "SequenceModels", "Backbones", "NumericCore", "VideoIO"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0")
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
    .target(
      name: "NumericCore",
      dependencies: [.target(name: "COpenBLAS", condition: .when(platforms: [.linux]))]),
    .target(
      name: "Backbones", dependencies: ["NumericCore"],
      resources: [
        .copy("Resources/golden-mobilenet-v2.json"),
        .copy("Resources/golden-efficientnet-lite0.json"),
      ]),
    .target(name: "SequenceModels", dependencies: ["NumericCore"]),
    .target(name: "Pipeline", dependencies: ["VideoIO", "Backbones", "SequenceModels"]),
    .executableTarget(
      name: "VidiCLI",
      dependencies: [
        "Pipeline",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]),

    .executableTarget(name: "BackboneBench", dependencies: ["Backbones", "NumericCore"]),

    .testTarget(name: "VideoIOTests", dependencies: ["VideoIO"]),
    .testTarget(name: "NumericCoreTests", dependencies: ["NumericCore"]),
    .testTarget(
      name: "BackbonesTests", dependencies: ["Backbones"], resources: [.copy("Fixtures")]),
    .testTarget(name: "SequenceModelsTests", dependencies: ["SequenceModels"]),
    .testTarget(name: "PipelineTests", dependencies: ["Pipeline"]),
    .testTarget(name: "VidiCLITests", dependencies: ["VidiCLI"]),
  ],
  swiftLanguageModes: [.v6]
)
