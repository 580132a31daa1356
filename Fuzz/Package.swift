// swift-tools-version:6.0
import PackageDescription

// LayerLab's libFuzzer targets: each is a folder in Targets/, fuzzing the
// engine's parsers as built by the package one level up. See README.md
// ("Fuzzing") and ./run.
//
// The names are written out, not read from Targets/: SwiftPM keeps a shared
// cache of evaluated manifests keyed by the manifest's text, so a manifest
// that lists a folder keeps giving the old targets after one is added (CI
// failed with "no product named 'FuzzHDF5'"). ./run refuses a folder that is
// missing here.
let names = [
  "FuzzHDF5", "FuzzImage", "FuzzModelFile", "FuzzNpy", "FuzzNpz", "FuzzPickle", "FuzzPython",
]

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
