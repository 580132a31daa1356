import Engine
import Foundation

/// How one output cell of the last pass came about, in parts a learner can
/// add up by hand. Parts are kept in Double at full precision; only the
/// renderer rounds them, so ``value`` is the sum of exactly what is shown.
struct Explanation {
  /// Which layer, which cell, and the value the engine stored there.
  struct Cell {
    var layerIndex: Int
    var layerName: String
    var typeName: String
    /// `[y, x, c]` for images, `[i]` for vectors (batch item 0).
    var indices: [Int]
    var outputShape: Shape
    var mode: Mode
    /// What the layer read: "the input" or "conv2d's output".
    var source: String
    var actual: Float
  }

  /// An element-wise function or a softmax, applied after a weighted sum or by an Activation layer.
  enum Squash {
    case elementwise(ActivationFunction, input: Double)
    /// LeakyReLU's own slope (the `leaky_relu` activation's is fixed at 0.2).
    case leaky(slope: Double, input: Double)
    /// The whole row of inputs (logits) and which entry is explained.
    case softmax(row: [Double], index: Int)

    var output: Double {
      switch self {
      case .elementwise(let function, let x):
        return function.value(at: x)
      case .leaky(let slope, let x):
        return x >= 0 ? x : slope * x
      case .softmax(let row, let index):
        let top = row.max() ?? 0
        let exps = row.map { exp($0 - top) }
        return exps[index] / exps.reduce(0, +)
      }
    }
  }

  /// One input channel's share of a convolution.
  struct ChannelPart {
    var channel: Int
    /// The window, row-major; nil where it hangs over the edge (zero padding).
    var window: [[Double?]]
    var kernel: [[Double]]
    var sum: Double {
      zip(window, kernel).reduce(0) { total, rows in
        total + zip(rows.0, rows.1).reduce(0) { $0 + ($1.0 ?? 0) * $1.1 }
      }
    }
  }

  struct Convolution {
    /// Input rows and columns of the window's top-left cell (negative inside the padding).
    var top: Int
    var left: Int
    var strides: [Int]
    var padding: Padding
    var inChannels: Int
    var channels: [ChannelPart]
    var bias: Double
    var squash: Squash?
    var preActivation: Double { channels.reduce(0) { $0 + $1.sum } + bias }
  }

  struct Pooling {
    var isMax: Bool
    var top: Int
    var left: Int
    var channel: Int
    /// nil where the window hangs over the edge: pooling skips those cells.
    var window: [[Double?]]
    /// Row and column within the window of the max; nil for average pooling.
    var winner: (row: Int, column: Int)?
    var cells: [Double] { window.flatMap { $0.compactMap { $0 } } }
  }

  struct DropoutStep {
    var input: Double
    var rate: Double
    /// nil at inference, where nothing is dropped.
    var kept: Bool?
    var scale: Double
  }

  struct Term {
    var index: Int
    var input: Double
    var weight: Double
    var product: Double { input * weight }
  }

  struct DenseSum {
    var unit: Int
    var inFeatures: Int
    /// Every input's term, largest |input × weight| first.
    var terms: [Term]
    var bias: Double
    var squash: Squash?
    /// The shape a Flatten right before turned into this layer's input, to say where an input came from.
    var flattenedFrom: Shape?
    var preActivation: Double { terms.reduce(0) { $0 + $1.product } + bias }
  }

  /// One value normalized by its channel's statistics: the batch's in a
  /// training pass, the moving ones at inference.
  struct Normalization {
    var input: Double
    var channel: Int
    var mean: Double
    var variance: Double
    var epsilon: Double
    var gamma: Double
    var beta: Double
    /// True when mean and variance are the batch's (training).
    var batchStatistics: Bool
    /// How many values the batch statistics were taken over.
    var count: Int
    var normalized: Double { (input - mean) / (variance + epsilon).squareRoot() }
  }

  /// One channel's whole map reduced to its mean or its largest value.
  struct GlobalPool {
    var isMax: Bool
    var channel: Int
    var height: Int
    var width: Int
    var sum: Double
    var maximum: Double
    /// Where the largest value sits (the first in row-major order on a tie).
    var at: (y: Int, x: Int)
  }

  struct FlattenStep {
    var inputShape: Shape
    var from: [Int]
    var input: Double
  }

  enum Kind {
    case convolution(Convolution)
    case pooling(Pooling)
    case dropout(DropoutStep)
    case dense(DenseSum)
    case activation(Squash)
    case flatten(FlattenStep)
    case normalization(Normalization)
    case globalPool(GlobalPool)
  }

  var cell: Cell
  var kind: Kind

  /// The output rebuilt from the parts alone.
  var value: Double {
    switch kind {
    case .convolution(let c): return c.squash?.output ?? c.preActivation
    case .pooling(let p):
      let cells = p.cells
      return p.isMax ? (cells.max() ?? 0) : cells.reduce(0, +) / Double(max(cells.count, 1))
    case .dropout(let d):
      guard let kept = d.kept else { return d.input }
      return kept ? d.input * d.scale : 0
    case .dense(let d): return d.squash?.output ?? d.preActivation
    case .activation(let s): return s.output
    case .flatten(let f): return f.input
    case .normalization(let n): return n.normalized * n.gamma + n.beta
    case .globalPool(let g): return g.isMax ? g.maximum : g.sum / Double(g.height * g.width)
    }
  }
}
