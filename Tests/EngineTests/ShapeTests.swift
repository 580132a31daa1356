import Testing

@testable import Engine

@Test func shapeCountsAndSpelling() {
  let s: Shape = [2, 3, 4]
  #expect(s.scalarCount == 24)
  #expect(s.description == "(2, 3, 4)")
  #expect(Shape([5]).description == "(5,)")
  #expect(Shape([100, 100, 32]).withNoneBatch == "(None, 100, 100, 32)")
  #expect(Shape([Int.max, 3]).checkedScalarCount == nil)
  #expect(Shape([-1, 3]).checkedScalarCount == nil)
}

@Test func tensorRefusesWrongCount() {
  #expect(throws: EngineError.scalarCountMismatch(shape: [2, 2], got: 3)) {
    try Tensor(shape: [2, 2], scalars: [1, 2, 3])
  }
}

@Test func seededGeneratorIsFixedBySeed() {
  // SplitMix64 reference values for seed 0 (Vigna's splitmix64.c).
  var g = SeededGenerator(seed: 0)
  #expect(g.next() == 0xE220_A839_7B1D_CDAF)
  #expect(g.next() == 0x6E78_9E6A_A1B9_65F4)
  var a = SeededGenerator(seed: 42)
  var b = SeededGenerator(seed: 42)
  for _ in 0..<100 { #expect(a.nextUnitFloat() == b.nextUnitFloat()) }
  var u = SeededGenerator(seed: 7)
  for _ in 0..<1000 {
    let f = u.nextUnitFloat()
    #expect(f >= 0 && f < 1)
    let i = u.nextInt(below: 6)
    #expect(i >= 0 && i < 6)
  }
}
