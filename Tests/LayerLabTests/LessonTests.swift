import Foundation
import Testing

@testable import LayerLab

/// Lesson files, the catalog that finds them, and the runner.
@Suite struct LessonTests {
  @Test func stepsEndAtPausesAndTheTitleIsTheFirstComment() {
    let lesson = Lesson(
      fileName: "05-dropout.lab",
      text:
        "# Lesson 5: Dropout\n# more\nimage demo cat\npause\n\nforward\n  pause  \nshow dropout\npause\n\n"
    )
    #expect(lesson.title == "Lesson 5: Dropout")
    #expect(lesson.number == 5)
    #expect(lesson.slug == "dropout")
    #expect(
      lesson.steps.map { $0.map(\.text) } == [
        ["# Lesson 5: Dropout", "# more", "image demo cat"], ["", "forward"], ["show dropout"],
      ])
    #expect(lesson.steps[1][1].number == 6)
  }

  @Test func catalogIsFoundBesideThePackageAboveTheExecutable() throws {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent(
      "catalog-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: root) }
    let package = root.appendingPathComponent("checkout")
    let binary = package.appendingPathComponent(".build/x86_64-unknown-linux-gnu/debug")
    let elsewhere = root.appendingPathComponent("somewhere/else")
    let configured = root.appendingPathComponent("my-lessons")
    for folder in [binary, package.appendingPathComponent("lessons"), elsewhere, configured] {
      try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }
    try Data().write(to: package.appendingPathComponent("Package.swift"))
    let executable = binary.appendingPathComponent("layerlab").path
    let environment = [LessonCatalog.environmentKey: configured.path]

    let found = LessonCatalog.locate(
      executable: executable, currentDirectory: elsewhere.path, environment: environment)
    #expect(found == package.appendingPathComponent("lessons").standardizedFileURL.path)
    // Installed elsewhere: the current directory's checkout, then the variable.
    let fromHere = LessonCatalog.locate(
      executable: "/usr/local/bin/layerlab", currentDirectory: package.path, environment: [:])
    #expect(fromHere == package.appendingPathComponent("lessons").standardizedFileURL.path)
    let fromVariable = LessonCatalog.locate(
      executable: "/usr/local/bin/layerlab", currentDirectory: elsewhere.path,
      environment: environment)
    #expect(fromVariable == configured.standardizedFileURL.path)
    #expect(
      LessonCatalog.locate(executable: nil, currentDirectory: elsewhere.path, environment: [:])
        == nil)
  }

  @Test func theRealExecutableFindsItsLessonsFromAnotherDirectory() throws {
    let list = try LayerLabProcess.run(input: "lessons\n")
    #expect(list.status == 0)
    #expect(list.output.contains("  5  dropout "))
    let byNumber = try LayerLabProcess.run(input: "", arguments: ["--lesson", "7"])
    #expect(byNumber.status == 0)
    #expect(byNumber.output.hasPrefix("Lesson 7: softmax"))
    // Afterwards the shell goes on with the lesson's model.
    let byName = try LayerLabProcess.run(input: "layers\n", arguments: ["--lesson", "relu"])
    #expect(byName.status == 0)
    #expect(byName.output.hasSuffix("input (None, 24, 24, 3), 28 params\n"))
  }

  @Test func aFailingStepStopsTheLessonAndNamesIt() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
      "lesson-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let file = folder.appendingPathComponent("42-broken.lab")
    try "# Broken\nimage demo cat 8x8\npause\nshow nothing\nlayers\n".write(
      to: file, atomically: true, encoding: .utf8)
    let run = try LayerLabProcess.run(input: "", arguments: ["--lesson", file.path])
    #expect(run.status == 1)
    #expect(!run.output.contains("lab> layers"), "the lesson must stop at the failing line")
    #expect(
      run.output.contains("error: lesson 42 stopped at step 2 of 2 (line 4 of 42-broken.lab)"))
  }

  @Test func lessonMistakesAndAHarmlessPause() {
    let h = Harness()
    #expect(!h.shell.handle("lesson 99"))
    #expect(!h.shell.handle("lesson dropot"))
    #expect(h.shell.handle("pause"))
    #expect(
      h.console.transcript == """
        \(String(repeating: " ", count: 12))^
        error: there is no lesson 99
        hint: type 'lessons' to list them
        \(String(repeating: " ", count: 12))^
        error: there is no lesson 'dropot'
        hint: did you mean 'dropout'?
        (pause only waits inside a lesson; 'lessons' lists them)

        """)
  }

  @Test func aLessonStartsFromAnEmptyModelAndSeedZero() {
    let h = Harness(seed: 5)
    h.shell.handle("image demo cat 100x100")
    #expect(h.shell.handle("lesson relu"))
    #expect(h.shell.handle("lesson relu"))
    #expect(h.session.model.layers.map(\.name) == ["conv2d", "re_lu"])
    #expect(h.session.image?.shape == [1, 24, 24, 3])
    #expect(h.session.seed == 0)
  }

  @Test func pipedLessonsSkipPausesSilently() {
    let h = Harness()
    #expect(h.type("# note", "pause", "labels a,b") == 0)
    #expect(h.console.transcript == "note\nlab> labels a,b\nlabels: 2 classes: a, b\n")
  }
}
