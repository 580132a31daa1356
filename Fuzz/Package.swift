// swift-tools-version:6.0
import Foundation
import PackageDescription

// LayerLab's libFuzzer targets: every folder in Targets/ is one, fuzzing the
// engine's parsers as built by the package one level up. See README.md
// ("Fuzzing") and ./run.
let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
let names =
  ((try? FileManager.default.contentsOfDirectory(
    atPath: here.appendingPathComponent("Targets").path))
  ?? []).filter { !$0.hasPrefix(".") }.sorted()

let package = Package(
  name: "LayerLabFuzz",
  dependencies: [.package(name: "LayerLab", path: "..")],
  targets: [.target(name: "FuzzSupport", path: "Support")]
    + names.map { name in
      // -sanitize=fuzzer comes from ./run, for every module built.
      .executableTarget(
        name: name,
        dependencies: ["FuzzSupport", .product(name: "Engine", package: "LayerLab")],
        path: "Targets/\(name)")
    }
)
