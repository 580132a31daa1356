import Engine
import Foundation

/// The `lessons/` folder and the lessons in it.
///
/// `layerlab` must find its lessons from any working directory, so the folder
/// is looked for, in order: beside the `Package.swift` above the executable
/// (a built checkout), beside a `Package.swift` above the current directory
/// (or a `lessons/` right there), then in `$LAYERLAB_LESSONS`.
struct LessonCatalog {
  /// One lesson file, described without reading more than its title.
  struct Entry: Equatable {
    var fileName: String
    var path: String
    var title: String
    var number: Int? { Lesson.number(fileName) }
    var slug: String { Lesson.slug(fileName) }
    /// The title without a leading `Lesson 5:`, which the listing shows as a number.
    var heading: String {
      let digits = title.dropFirst("Lesson ".count).prefix { $0.isNumber }
      guard title.hasPrefix("Lesson "), !digits.isEmpty,
        title.dropFirst("Lesson ".count + digits.count).first == ":"
      else { return title }
      return String(title.dropFirst("Lesson ".count + digits.count + 1).drop { $0 == " " })
    }
  }

  /// The folder's absolute path.
  let folder: String

  static let environmentKey = "LAYERLAB_LESSONS"

  /// The catalog for this process, or an error saying where it looked.
  static func current() throws(LabError) -> LessonCatalog {
    let environment = ProcessInfo.processInfo.environment
    guard
      let folder = locate(
        executable: executablePath(), currentDirectory: FileManager.default.currentDirectoryPath,
        environment: environment)
    else {
      throw LabError(
        message: "cannot find the lessons folder",
        hint:
          "run layerlab from its checkout, or set \(environmentKey) to the folder that holds 01-image-tensor.lab"
      )
    }
    return LessonCatalog(folder: folder)
  }

  /// Where the lessons are, given where the program and the learner are.
  static func locate(executable: String?, currentDirectory: String, environment: [String: String])
    -> String?
  {
    if let executable {
      let start = URL(fileURLWithPath: executable).resolvingSymlinksInPath()
        .deletingLastPathComponent()
      if let found = packageLessons(above: start) { return found }
    }
    let here = URL(fileURLWithPath: currentDirectory)
    if let found = packageLessons(above: here) { return found }
    let plain = here.appendingPathComponent("lessons").path
    if isFolder(plain) { return plain }
    if let configured = environment[environmentKey], !configured.isEmpty {
      let path = URL(fileURLWithPath: configured, relativeTo: here).standardizedFileURL.path
      if isFolder(path) { return path }
    }
    return nil
  }

  /// The `lessons` folder beside the nearest `Package.swift` at or above `start`.
  private static func packageLessons(above start: URL) -> String? {
    var folder = start.standardizedFileURL
    while true {
      let lessons = folder.appendingPathComponent("lessons").path
      if FileManager.default.fileExists(
        atPath: folder.appendingPathComponent("Package.swift").path), isFolder(lessons)
      {
        return lessons
      }
      let parent = folder.deletingLastPathComponent()
      if parent.path == folder.path { return nil }
      folder = parent
    }
  }

  private static func isFolder(_ path: String) -> Bool {
    var isDirectory: ObjCBool = false
    return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
      && isDirectory.boolValue
  }

  /// This program's own file: /proc/self/exe names it even when it was started through $PATH.
  private static func executablePath() -> String? {
    if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
      return path
    }
    if let path = Bundle.main.executablePath { return path }
    return CommandLine.arguments.first.flatMap { $0.contains("/") ? $0 : nil }
  }

  /// Every `*.lab` file in the folder, in name order (so 01 … 10 come in order).
  func entries() -> [Entry] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
    return names.filter { $0.hasSuffix(".lab") }.sorted().map { name in
      let path = URL(fileURLWithPath: folder).appendingPathComponent(name).path
      let text = (try? FileBytes.text(path: path)) ?? ""
      return Entry(fileName: name, path: path, title: Lesson(fileName: name, text: text).title)
    }
  }

  /// The lesson `token` names: a number (`5`), a name (`dropout`) or a file path.
  func find(_ token: Token) throws(LabError) -> Entry {
    let word = token.text
    let all = entries()
    if let number = Int(word) {
      if let entry = all.first(where: { $0.number == number }) { return entry }
      throw LabError(
        message: "there is no lesson \(number)", column: token.column, hint: Self.choices(all))
    }
    let name = word.hasSuffix(".lab") ? String(word.dropLast(4)) : word
    if let entry = all.first(where: { $0.slug == name || $0.fileName == name + ".lab" }) {
      return entry
    }
    let partial = all.filter { $0.slug.contains(name) }
    if partial.count == 1 { return partial[0] }
    if partial.count > 1 {
      throw LabError(
        message: "'\(word)' could be "
          + partial.map { "\($0.number.map(String.init) ?? $0.slug) (\($0.slug))" }.joined(
            separator: " or "),
        column: token.column,
        hint:
          "give the number, e.g. lesson \(partial[0].number.map(String.init) ?? partial[0].slug)")
    }
    let hint =
      closestMatch(name, in: all.map(\.slug)).map { "did you mean '\($0)'?" } ?? Self.choices(all)
    throw LabError(message: "there is no lesson '\(word)'", column: token.column, hint: hint)
  }

  private static func choices(_ entries: [Entry]) -> String {
    entries.isEmpty ? "the lessons folder is empty" : "type 'lessons' to list them"
  }
}

extension Lesson {
  /// Reads the lesson `word` names. A word with a `/` or ending in `.lab` may
  /// be a file path (from the current directory, then from the package root);
  /// anything else is looked up in the catalog.
  static func named(_ token: Token) throws(LabError) -> Lesson {
    let word = token.text
    var path: String?
    if word.contains("/") || word.hasSuffix(".lab") {
      var candidates = [word]
      if !word.hasPrefix("/"), let catalog = try? LessonCatalog.current() {
        let root = URL(fileURLWithPath: catalog.folder).deletingLastPathComponent()
        candidates += [
          root.appendingPathComponent(word).path,
          URL(fileURLWithPath: catalog.folder).appendingPathComponent(word).path,
        ]
      }
      path = candidates.first { FileManager.default.fileExists(atPath: $0) }
      if path == nil, word.contains("/") {
        throw LabError(
          message: "there is no lesson file '\(word)'", column: token.column,
          hint: "type 'lessons' to list them")
      }
    }
    let resolved: String
    if let path {
      resolved = path
    } else {
      resolved = try LessonCatalog.current().find(token).path
    }
    let text: String
    do {
      text = try FileBytes.text(path: resolved)
    } catch {
      throw LabError(message: "cannot read the lesson file: \(error)", column: token.column)
    }
    return Lesson(fileName: URL(fileURLWithPath: resolved).lastPathComponent, text: text)
  }
}
