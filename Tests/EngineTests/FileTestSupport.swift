import Foundation

@testable import Engine

/// The path of a committed fixture (made by Fixtures/make_fixtures.py).
func fixture(_ name: String) -> String {
  URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    .appendingPathComponent(name).path
}

/// A fresh, empty folder under the system temporary folder.
func makeTempFolder() throws -> String {
  let url = FileManager.default.temporaryDirectory.appendingPathComponent(
    "layerlab-tests-\(UUID().uuidString)")
  try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  return url.path
}

/// Writes raw bytes, creating parent folders, for fixtures the tests build themselves.
func writeBytes(_ bytes: [UInt8], to path: String) throws {
  try FileManager.default.createDirectory(
    atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
  try Data(bytes).write(to: URL(fileURLWithPath: path))
}
