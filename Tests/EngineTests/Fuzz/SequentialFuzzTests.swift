import Foundation
import Testing

@testable import Engine

/// Everything a caller can observe about a model, to compare before and after a refused change.
struct ModelSnapshot: Equatable {
  var names: [String]
  var expressions: [String]
  var outputShapes: [Shape]
  var inputShape: Shape?
  var weights: [String]
  var weightValues: [NDArray]
  var parameterCount: Int
  var summary: String
  var generators: [SeededGenerator]
  var lastMode: Mode?
  var lastOutputCount: Int

  init(_ model: Sequential) {
    names = model.layers.map(\.name)
    expressions = model.layers.map(\.spec.expression)
    outputShapes = model.outputShapes
    inputShape = model.inputShape
    let arrays = model.weightArrays()
    weights = arrays.map(\.name)
    weightValues = arrays.map(\.array)
    parameterCount = model.parameterCount
    summary = model.summary()
    generators = [model.initRNG, model.maskRNG, model.shuffleRNG]
    lastMode = model.lastMode
    lastOutputCount = model.lastOutputs.count
  }
}

extension Fuzz {
  /// Random add, insert, remove, input shapes and passes: every refused change
  /// must leave the model exactly as it was, and every accepted one valid.
  @Suite struct SequentialFuzzTests {
    static let huge = [1_000_000_000_000, 1_000_000_000_000_000, 1 << 62, Int.max, Int.max - 1]

    static func size(_ m: inout Mutator, small: ClosedRange<Int>) -> Int {
      switch m.int(12) {
      case 0: return m.pick(huge)
      case 1: return m.pick([0, -1, -5, Int.min])
      default: return small.lowerBound + m.int(small.count)
      }
    }

    static func pair(_ m: inout Mutator) -> [Int] {
      m.int(8) == 0
        ? [size(&m, small: 1...4), m.pick(huge)] : [size(&m, small: 1...4), size(&m, small: 1...4)]
    }

    static func shape(_ m: inout Mutator) -> Shape {
      Shape((0..<(m.int(6) == 0 ? m.int(5) : 3)).map { _ in size(&m, small: 1...10) })
    }

    static func spec(_ m: inout Mutator, first: Bool) -> LayerSpec {
      var spec = LayerSpec(kind: m.pick(LayerKind.allCases))
      switch spec.kind {
      case .conv2D:
        spec.units = size(&m, small: 1...6)
        spec.kernelSize = pair(&m)
        if m.int(3) == 0 { spec.strides = pair(&m) }
      case .dense:
        spec.units = size(&m, small: 1...8)
      case .maxPooling2D, .averagePooling2D:
        spec.poolSize = pair(&m)
        if m.int(3) == 0 { spec.strides = pair(&m) }
      case .dropout:
        spec.rate = m.pick([0, 0.25, 0.5, 0.99, 1, -0.1, .nan, .infinity])
      case .activation:
        spec.activation = m.pick(ActivationFunction.allCases)
      default:
        break
      }
      spec.padding = m.pick(Padding.allCases)
      spec.useBias = m.int(4) != 0
      if m.int(6) == 0 { spec.activation = m.pick(ActivationFunction.allCases) }
      if m.int(first ? 2 : 12) == 0 { spec.inputShape = shape(&m) }
      if m.int(10) == 0 { spec.name = m.pick(["a", "b", "conv2d", "dense_1"]) }
      return spec
    }

    /// Runs one random operation; returns whether it was refused.
    static func step(_ model: Sequential, _ m: inout Mutator) -> Bool {
      do throws(EngineError) {
        switch m.int(11) {
        case 0, 1, 2: try model.add(spec(&m, first: model.layers.isEmpty))
        case 3, 4: try model.insert(spec(&m, first: true), at: m.int(model.layers.count + 3) - 1)
        case 5, 6: try model.remove(at: m.int(model.layers.count + 2) - 1)
        case 7: try model.setInputShape(shape(&m))
        case 8: try model.reinitialize()
        case 9:
          guard let input = model.inputShape else { throw .noInputShape }
          let x = Tensor(repeating: 0.5, shape: input.batched(1 + m.int(2)))
          try model.forward(x, mode: m.int(2) == 0 ? .training : .inference)
        default:
          guard let input = model.inputShape else { throw .noInputShape }
          guard model.outputShapes.last?.rank == 1 else { throw .noLayers }
          let x = Tensor(repeating: 0.5, shape: input.batched(2))
          _ = try model.fit(
            x, labels: [0, 0], loss: .sparseCategoricalCrossentropy,
            optimizer: SGD(learningRate: 0.01),
            options: FitOptions(epochs: 1, batchSize: 1))
        }
        return false
      } catch {
        #expect(!error.description.isEmpty)
        return true
      }
    }

    @Test(arguments: 0..<4) func refusedChangesLeaveTheModelAsItWas(_ seed: UInt64) {
      var m = Mutator(seed: 100 + seed)
      var refused = 0
      var accepted = 0
      for _ in 0..<4 {
        let model = Sequential(seed: seed)
        // Small budgets keep every pass cheap and make the limits trip often.
        model.maxActivationBytes = 64 << 10
        model.maxParameters = 20_000
        for _ in 0..<150 {
          let before = ModelSnapshot(model)
          if SequentialFuzzTests.step(model, &m) {
            refused += 1
            let after = ModelSnapshot(model)
            #expect(after == before)
            if after != before { return }
          } else {
            accepted += 1
            if let input = model.inputShape {
              #expect(model.outputShapes.count == model.layers.count)
              #expect(model.parameterCount <= model.maxParameters)
              for shape in [input] + model.outputShapes {
                #expect((shape.checkedScalarCount ?? .max) <= model.maxActivationBytes / 4)
              }
            }
          }
        }
      }
      #expect(refused > 100)
      #expect(accepted > 100)
    }
  }
}
