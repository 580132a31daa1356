import Engine

extension CommandTable {
  static let image: [Command] = [imageCommand]

  static let imageCommand = Command(
    name: "image", group: .image, usage: "image PATH | image demo NAME [HxW] | image train|test N",
    summary: "Load a picture (PNG, JPEG, PPM, .npy), a demo one, or one from the data",
    example: "image demo cat",
    details: """
      The image becomes X, a batch of one: X.shape is (1, height, width, channels). \
      When the model already has an input shape, the picture is converted and resized \
      (bilinear) to fit it; otherwise the picture gives the model its input shape.
      image train N / image test N takes picture N (from 0) of the loaded data, and says its class.
      Type 'image' alone to see the current image and the demo names.
      """,
    keywords: ["demo", "train", "test"], takesPath: true
  ) { session, arguments in
    guard let first = arguments.tokens.first else {
      let current =
        session.image.map { "image: \(session.imageSource), X.shape = \($0.shape)" }
        ?? "no image loaded"
      session.console.out(current)
      session.console.out("demo pictures: " + session.images.demoNames.joined(separator: ", "))
      return
    }
    let picture: Tensor
    let source: String
    if first.text == "demo" {
      let name = try arguments.requiredWord(at: 1, "the demo name")
      guard session.images.demoNames.contains(name.text) else {
        let names = session.images.demoNames
        throw LabError(
          message: "there is no demo picture '\(name.text)'", column: name.column,
          hint: closestMatch(name.text, in: names).map { "did you mean '\($0)'?" }
            ?? "demo pictures: " + names.joined(separator: ", "))
      }
      var (height, width) = (48, 48)
      if arguments.count > 2 {
        (height, width) = try size(arguments.tokens[2], arguments.usage)
      }
      try arguments.noMore(than: 3)
      picture = try session.images.demo(name.text, height: height, width: width)
      source = "demo \(name.text)"
    } else if first.text == "train" || first.text == "test", arguments.count > 1 {
      let data = try session.requireData()
      guard let set = first.text == "train" ? data.train : data.test else {
        throw noTestSet(session)
      }
      let index = try arguments.int(at: 1, "the picture's number", in: 0...(set.count - 1))
      try arguments.noMore(than: 2)
      picture = try set.images.slice(batch: index..<(index + 1)).reshaped(set.sampleShape)
      let label = set.labels[index]
      source =
        "\(first.text) \(index) (a picture of \(label < set.classNames.count ? set.classNames[label] : "class \(label)"))"
    } else {
      try arguments.noMore(than: 1)
      picture = try session.images.load(path: first.text, pixelScale: session.display.pixelScale)
      source = first.text
    }
    try use(picture, from: source, in: session)
  }

  /// Makes `picture` the session's image, fitted to the model or giving it its input shape.
  static func use(_ picture: Tensor, from source: String, in session: Session) throws {
    let model = session.model
    var fitted = picture
    var note = ""
    var resized: String?
    if let shape = model.inputShape {
      guard shape.rank == 3 else {
        throw LabError(
          message: "the model takes inputs shaped \(shape.withNoneBatch), not images",
          hint: "reset the model, or start it with input_shape=X.shape[1:]")
      }
      let converted = try session.images.convert(picture, channels: shape[2])
      fitted = session.images.resize(converted, height: shape[0], width: shape[1])
      if fitted.shape != picture.shape {
        resized =
          "note: the picture is \(picture.shape[0])x\(picture.shape[1])x\(picture.shape[2]) and was resized to \(shape[0])x\(shape[1])x\(shape[2]), the model's input; "
          + "to work at its own size, start a new model (reset, or model = Sequential()) and load it again"
      }
    } else {
      try session.changeModel {
        try model.setInputShape(picture.shape)
        return "input shape \(picture.shape) from the image"
      }
      note = "; the model's input is now \(picture.shape.withNoneBatch)"
    }
    let batch = try fitted.reshaped(fitted.shape.batched(1))
    session.image = batch
    session.imageSource = source
    session.bindImageName()
    model.clearPass()
    let range = batch.range
    session.console.out(
      "image \(source): X.shape = \(batch.shape), values \(Fmt.range(range.min, range.max))" + note)
    if let resized { session.console.out(resized) }
  }

  /// `100x100` or `64` (square), each side 4...512.
  private static func size(_ token: Token, _ usage: String) throws(LabError) -> (Int, Int) {
    let parts = token.text.lowercased().split(separator: "x", omittingEmptySubsequences: false)
    let sides = parts.compactMap { Int($0) }
    guard sides.count == parts.count, (1...2).contains(sides.count),
      sides.allSatisfy({ (4...512).contains($0) })
    else {
      throw LabError(
        message: "expected a size such as 100x100 (4 to 512 pixels a side), got '\(token.text)'",
        column: token.column, hint: "usage: \(usage)")
    }
    return (sides[0], sides[sides.count - 1])
  }
}
