// swift-tools-version:6.0
import Foundation
import PackageDescription

// The engine's kernels are written with SIMD16<Float>. Built for baseline
// x86-64 (no FMA), every fused multiply-add becomes a libm call and the
// kernels run ~150x slower (BENCHMARKS.md, "What the kernels' design
// rests on"). Users build from source, so we build for the host CPU:
// AVX-512 where the machine has it, AVX2 or SSE elsewhere, NEON on arm64.
// `LAYERLAB_PORTABLE=1` turns this off for binaries meant to run on other
// machines.
// `-O` is also given in debug builds so `swift test` runs the kernels at
// release speed instead of ~500x slower. `-fno-math-errno`: on glibc,
// `Float.squareRoot()` otherwise keeps a call to `sqrtf` (to set errno for
// a negative input) beside each square root, so `SIMD8.squareRoot()`
// becomes eight scalar ones; without errno it is one `vsqrtps`, with the
// same IEEE result (Adam's update: 27 -> 12 ms per step, BENCHMARKS.md).
let portable = ProcessInfo.processInfo.environment["LAYERLAB_PORTABLE"] == "1"
var engineFlags: [String] = ["-O", "-Xcc", "-fno-math-errno"]
#if arch(x86_64)
  if !portable { engineFlags += ["-Xcc", "-march=native"] }
#endif

let package = Package(
  name: "LayerLab",
  platforms: [.macOS(.v14)],
  products: [
    .library(name: "Engine", targets: ["Engine"]),
    .executable(name: "layerlab", targets: ["LayerLab"]),
    .executable(name: "layerlab-bench", targets: ["LayerLabBench"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
  ],
  targets: [
    .systemLibrary(
      name: "CReadline", providers: [.apt(["libreadline-dev"])]),
    .systemLibrary(
      name: "CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
    .systemLibrary(
      name: "CJPEG", pkgConfig: "libjpeg", providers: [.apt(["libjpeg-dev"])]),
    // Debian's libhdf5-dev: pkg-config `hdf5` gives -I/usr/include/hdf5/serial.
    .systemLibrary(
      name: "CHDF5", pkgConfig: "hdf5", providers: [.apt(["libhdf5-dev"])]),
    .target(
      name: "Engine",
      dependencies: [
        "CPNG", "CJPEG", "CHDF5",
        .product(name: "ZIPFoundation", package: "ZIPFoundation"),
      ],
      swiftSettings: [.unsafeFlags(engineFlags)]),
    .executableTarget(
      name: "LayerLab",
      dependencies: [
        "Engine", "CReadline",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]),
    .executableTarget(
      name: "LayerLabBench",
      dependencies: [
        "Engine",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ],
      swiftSettings: [.unsafeFlags(engineFlags)]),
    .testTarget(
      name: "EngineTests", dependencies: ["Engine"],
      exclude: ["Fixtures"]),
    .testTarget(
      name: "LayerLabTests",
      dependencies: [
        "LayerLab", "Engine", .product(name: "ZIPFoundation", package: "ZIPFoundation"),
      ],
      exclude: ["Transcripts"]),
  ]
)
