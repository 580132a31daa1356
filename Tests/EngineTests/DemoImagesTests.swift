import Testing

@testable import Engine

@Suite struct DemoImagesTests {
  @Test(arguments: DemoImages.names) func deterministicAndInRange(_ name: String) throws {
    let a = try DemoImages.make(name)
    #expect(a.shape == [48, 48, 3])
    #expect(a.scalars.allSatisfy { $0 >= 0 && $0 < 1 })
    #expect(try DemoImages.make(name) == a)
    // Every picture has real contrast to show filters on.
    #expect(a.range.max - a.range.min > 0.5)
    #expect(try DemoImages.make(name, height: 20, width: 30).shape == [20, 30, 3])
  }

  @Test func edgesHasHorizontalVerticalAndDiagonalEdges() throws {
    let e = try DemoImages.make("edges")
    func v(_ y: Int, _ x: Int) -> Float { e.scalars[(y * 48 + x) * 3] }
    #expect(v(20, 15) - v(20, 5) > 0.5)  // left side of the rectangle
    #expect(v(15, 20) - v(5, 20) > 0.5)  // top side
    #expect(v(40, 7) > 0.5 && v(40, 20) < 0.2)  // the diagonal passes (40, 7), not (40, 20)
  }

  @Test func unknownNameListsTheNames() {
    let error = #expect(throws: EngineError.self) { try DemoImages.make("dog") }
    #expect(error?.description.contains("edges, blobs, texture, cat") == true)
    #expect(throws: EngineError.self) { try DemoImages.make("edges", height: 0) }
  }
}
