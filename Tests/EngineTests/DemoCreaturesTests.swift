import Testing

@testable import Engine

@Test func demoCreaturesAreDeterministicBalancedAndInRange() {
  let a = DemoCreatures.make(count: 24, size: 32, seed: 5)
  let b = DemoCreatures.make(count: 24, size: 32, seed: 5)
  let c = DemoCreatures.make(count: 24, size: 32, seed: 6)
  #expect(a.images == b.images && a.labels == b.labels)
  #expect(a.images != c.images)
  #expect(a.images.shape == [24, 32, 32, 3])
  #expect(a.labels == (0..<24).map { $0 % 6 })
  #expect(a.images.range.min >= 0 && a.images.range.max < 1)
  // Odd sizes draw too, and nothing lands outside the canvas.
  let small = DemoCreatures.make(count: 6, size: 9, seed: 1)
  #expect(small.images.shape == [6, 9, 9, 3])
}
