import Engine
import Testing

@testable import LayerLab

@Suite struct CommandTableTests {
  @Test func namesAndAliasesAreUnique() {
    let words = CommandTable.all.flatMap { [$0.name] + $0.aliases }
    #expect(Set(words).count == words.count)
  }

  @Test func usageStartsWithTheNameAndSummariesFitOneLine() {
    for command in CommandTable.all {
      #expect(command.usage.hasPrefix(command.name), "\(command.name)")
      #expect(!command.summary.contains("\n") && command.summary.count <= 80, "\(command.name)")
      #expect(!command.example.isEmpty, "\(command.name)")
    }
  }

  @Test func everyExampleParses() throws {
    for command in CommandTable.all {
      let example = command.example
      if example.contains("(") { continue }  // Keras-style examples are checked by the transcripts
      let tokens = try Tokenizer.split(example)
      let first = try #require(tokens.first)
      #expect(try CommandTable.lookup(first).name == command.name, "\(example)")
    }
  }

  @Test func pythonFormsExamplesAreLayerLabsPython() throws {
    for command in CommandTable.all where command.isPythonForm && command.name != "run" {
      #expect(throws: Never.self) { try PyParser.parseModule(command.example) }
    }
  }

  @Test func modelMethodsHaveKerasSignatures() throws {
    let methods = CommandTable.modelMethods
    #expect(
      methods.map(\.name) == [
        "add", "summary", "compile", "fit", "evaluate", "predict", "save", "save_weights",
        "load_weights",
      ])
    for method in methods {
      #expect(method.signature.owner == "model." + method.name)
    }
  }

  @Test func helpListsTheGroupsInOrder() {
    let headings = CommandTable.overview().filter { !$0.hasPrefix(" ") && !$0.isEmpty }.prefix(8)
    #expect(
      Array(headings) == [
        "Model", "Image", "Look", "Insight", "Training", "Files", "Lessons", "Session",
      ])
  }
}
