/// Budgets that keep a model the machine cannot hold from being built.
///
/// They are checked when a layer is added, inserted or removed and when the
/// input shape is set, after every shape is inferred and before any weight is
/// allocated, so a refused change allocates nothing and leaves the model as
/// it was. All arithmetic is overflow-checked: sizes such as 10**18 are
/// refused with `.tooLarge`, never trapped on.
extension Sequential {
  /// 512 MiB: one sample's output of any layer, as float32.
  public static let defaultMaxActivationBytes = 512 << 20
  /// 200 million trainable scalars: 800 MB of weights and as much again for
  /// their gradients. VGG16 (138 million) fits; a typo such as Dense(10**15) does not.
  public static let defaultMaxParameters = 200_000_000
  /// 1,000 layers: ResNet-152 has about 500; a model file of 20,000 layers
  /// (built in no time, then slow at every command) is refused at once.
  public static let defaultMaxLayers = 1_000

  /// Refuses a per-sample shape (the input, or a layer's output) whose float32
  /// values would take more than `maxActivationBytes`.
  func checkActivationSize(_ shape: Shape, of what: String) throws(EngineError) {
    let bytes = shape.checkedScalarCount.flatMap { count in
      let (b, overflow) = count.multipliedReportingOverflow(by: MemoryLayout<Float>.size)
      return overflow ? nil : b
    }
    guard let bytes, bytes <= maxActivationBytes else {
      let size = bytes.map { readableBytes($0) } ?? "more bytes than can be counted"
      throw .tooLarge(
        "\(what): \(shape.withNoneBatch) per sample takes \(size) as float32, more than the limit of \(readableBytes(maxActivationBytes)); use a smaller input, fewer filters or units, or pool first (or raise maxActivationBytes)"
      )
    }
  }

  /// Refuses `candidate` when its weights, counted from each layer's spec and
  /// the shape it receives (`inputs[i]` feeds `candidate[i]`), would exceed
  /// `maxParameters`; names the layer that crosses the limit.
  func checkParameterBudget(_ candidate: [any Layer], inputs: [Shape]) throws(EngineError) {
    var total = 0
    for (layer, input) in zip(candidate, inputs) {
      let own = layer.spec.parameterCount(for: input)
      let (sum, overflow) = total.addingReportingOverflow(own ?? 0)
      guard own != nil, !overflow, sum <= maxParameters else {
        let count = own.map { groupedThousands($0) } ?? "more than can be counted"
        throw .tooLarge(
          "\(layer.name) (\(layer.typeName)) would bring the model to more than the limit of \(groupedThousands(maxParameters)) parameters (it alone has \(count)); use fewer filters or units, or pool before Flatten (or raise maxParameters)"
        )
      }
      total = sum
    }
    // The new weights and their gradients, 8 bytes each, must fit the
    // memory the process may still take (ulimit -v, free memory).
    let added = max(total - parameterCount, 0)
    let needed = added * 8 + min(memoryReserve, Int.max / 2)
    if added > 1_000_000, let available = MemoryBudget.available(), needed > available {
      throw .tooLarge(
        "the new layers' \(groupedThousands(added)) weights and their gradients would take \(readableBytes(added * 8))\(memoryReserve > 0 ? " (and loading their values \(readableBytes(memoryReserve)) more)" : ""), but only \(readableBytes(available)) is available to LayerLab (free memory, ulimit -v); use fewer filters or units, or pool before Flatten"
      )
    }
  }
}
