import Foundation
import FuzzSupport

@testable import Engine

// The one Python front end: lexer, parser and interpreter with numpy, as a
// typed line or a file runs. Every input either runs or ends in one error;
// the step limit bounds loops, the interpreter's own budgets bound sizes.
fuzzMain { data in
  guard let source = String(data: data, encoding: .utf8) else { return }
  let interpreter = PyInterpreter(writeLine: { _ in })
  interpreter.modules["numpy"] = .object(NumpyModule.make())
  interpreter.globals["np"] = interpreter.modules["numpy"]
  interpreter.stepLimit = 20_000
  try? interpreter.execute(source: source)
}
