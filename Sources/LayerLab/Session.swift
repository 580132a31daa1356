import Engine

/// How output should look: width, colour and box characters.
struct Display: Sendable {
  /// Columns every line may use: drawings are laid out in them and text is
  /// wrapped to them.
  var width = 80
  /// ANSI colour: only on a terminal, and only when neither NO_COLOR,
  /// TERM=dumb nor --no-color says otherwise (see ``Display/detect``).
  var colors: ColorDepth = .none
  /// True when colour escapes are written at all.
  var color: Bool { colors != .none }
  /// How maps are drawn: ASCII shades, or half blocks where the terminal can.
  var glyphs: Glyphs = .ascii
  /// True on a UTF-8 colour terminal, where `glyphs blocks` can be chosen.
  var blocksAvailable = false
  /// The colours half-block maps are painted in.
  var colorMap: ColorMap = .viridis
  /// Unicode box drawing for `summary`: terminal only; piped output stays ASCII.
  var unicode = false
  /// Standard output is a terminal: progress bars redraw in place and show times.
  var terminal = false
  /// 8-bit pixels become floats multiplied by this, for `image` and `data` alike
  /// (1/256, as the blog's script divides by 256).
  var pixelScale: Float = 1.0 / 256.0
}

/// Everything a learner builds up in one run: the model, the image, the
/// labels and variables, the undo stack.
final class Session {
  let console: Console
  var display: Display {
    didSet { console.width = display.width }
  }
  /// The lesson being run, and where its pauses wait for Enter.
  let lessons = LessonState()
  /// The seed new models and `seed N` use, so a run repeats exactly.
  private(set) var seed: UInt64
  private(set) var model: Sequential
  /// Counts the models `Sequential()` made, so a name still holding an
  /// older one can say it is gone: LayerLab keeps one model at a time.
  var modelGeneration = 0
  /// The picture fed to `forward`, as a batch of one: `[1, height, width, channels]`.
  var image: Tensor?
  /// Where the image came from, for messages (`demo cat`, `photos/dog.png`).
  var imageSource = ""
  /// Class names for softmax bar charts (`labels dogs,cats`).
  var labels: [String] = []
  /// LayerLab's Python: the names typed lines and scripts define, and the
  /// keras and numpy modules, bound to this session.
  var python: PyInterpreter
  /// True while a Python file runs (`layerlab script.py`): the shell's own
  /// feedback ("added conv2d ...") stays quiet and only what the program
  /// prints, and Keras's progress, are shown.
  var scriptMode = false
  /// Feedback lines of the typed line that is running, said when it has worked.
  var pendingFeedback: [String]?
  /// The Python lines typed so far, numbered, for quoting in errors.
  let pythonInput = PythonInputLog()
  /// Snapshots taken before each change to the model, newest last.
  private var undoStack:
    [(
      description: String, snapshot: ModelSnapshot, serial: Int,
      optimizer: (optimizer: any Optimizer, snapshot: OptimizerSnapshot)?
    )] = []
  /// Counts every change ever made, so a checkpoint survives the undo limit.
  private var changeSerial = 0
  static let undoLimit = 50
  /// The most memory earlier models may hold for `undo` (weights not shared
  /// with the live model): 1 GiB, or half of what the process could still
  /// take without them when that is less. Eleven fits of a 60-million-weight
  /// model would otherwise keep 2.6 GB.
  var undoBytes = 1 << 30
  /// True once any command has failed (exit status 1 in piped mode).
  var anyFailed = false
  /// Set by `quit`; the shell loop stops after the command.
  var quitRequested = false
  let images: ImageSource
  /// The labelled pictures from `data`: a training set and maybe a test set.
  var data: DataSplit?
  /// Where the data came from, for messages (`demo`, `data/creatures.npz`).
  var dataSource = ""
  /// What `compile` chose; nil until then.
  var training: TrainingSetup?
  /// Each epoch of every `fit` since the last `compile`, for `plot`.
  var history: [EpochRecord] = []
  /// The last two `forward` commands' outputs, for `diff`.
  let passes = PassHistory()
  /// Where typed commands are being saved as a lesson, if anywhere.
  let recorder = Recorder()
  /// The last saliency, Grad-CAM, receptive-field and maximized maps, for `save`.
  var insight = InsightMaps()
  /// The kernels `filters` drew last, to measure how far training moved them.
  var drawnKernels = KernelMemory()

  init(
    console: Console, display: Display = Display(), seed: UInt64 = 0,
    images: ImageSource = ImageSource()
  ) {
    self.console = console
    self.display = display
    console.width = display.width
    self.seed = seed
    self.images = images
    model = Sequential(seed: seed)
    python = PyInterpreter(writeLine: { _ in })
    python = makeInterpreter()
  }

  /// Shell feedback on what a command did ("added conv2d ..."): shown at the
  /// prompt and in piped scripts, not while a Python file runs. Inside a
  /// typed Python line it waits until the whole line has worked, so a line
  /// that fails (and is put back) leaves no word of what it undid.
  func say(_ line: String) {
    guard !scriptMode else { return }
    if pendingFeedback != nil {
      pendingFeedback?.append(line)
    } else {
      console.out(line)
    }
  }

  /// Feedback worth saying even while a Python file runs (a note on what a
  /// Keras file held that LayerLab did not carry over), in its turn among
  /// the feedback of a typed line.
  func tell(_ line: String) {
    if scriptMode { console.out(line) } else { say(line) }
  }

  // MARK: - Changing the model, undoably

  /// Runs `change` on the model and, when it succeeds, remembers how to undo
  /// it under the description `change` returns. The engine refuses bad
  /// changes without touching the model, so a throw leaves nothing to roll back.
  /// A change that trains also names its `optimizer`, whose state (Adam's
  /// moments and step count) undo puts back with the weights, so a fit
  /// undone and run again learns exactly as the first time.
  func changeModel(keeping optimizer: (any Optimizer)? = nil, _ change: () throws -> String)
    throws
  {
    let before = model.snapshot()
    let optimizerBefore = optimizer.map { ($0, $0.snapshot) }
    let description = try change()
    changeSerial += 1
    undoStack.append((description, before, changeSerial, optimizerBefore))
    // A typed line's changes all stay until it ends (see holdsUndo).
    if !holdsUndo {
      if undoStack.count > Self.undoLimit { undoStack.removeFirst() }
      keepUndoWithinBudget()
    }
  }

  /// Memory the undo stack holds beyond the live model, each buffer once.
  private var undoCost: Int {
    let live = Set(model.weightBuffers.map(\.address))
    var seen = Set<UInt>()
    var total = 0
    for entry in undoStack {
      for buffer in entry.snapshot.weightBuffers
      where !live.contains(buffer.address) && seen.insert(buffer.address).inserted {
        total += buffer.bytes
      }
      // Counted whole: once the optimizer has stepped on, the copy is its own.
      total += entry.optimizer?.snapshot.bytes ?? 0
    }
    return total
  }

  /// Drops the oldest undo steps (never the newest) until the stack fits
  /// its budget, and says so.
  private func keepUndoWithinBudget() {
    var cost = undoCost
    let budget = min(undoBytes, ((MemoryBudget.available() ?? Int.max / 2) + cost) / 2)
    var dropped: [String] = []
    while cost > budget, undoStack.count > 1 {
      dropped.append(undoStack.removeFirst().description)
      cost = undoCost
    }
    guard let oldest = dropped.first else { return }
    let steps =
      dropped.count == 1
      ? "the oldest step, '\(oldest)'" : "the \(dropped.count) oldest steps, from '\(oldest)' on"
    console.out(
      "(undo keeps at most \(readableBytes(budget)) of earlier weights: forgot \(steps))")
  }

  /// Puts back the model as it was before the last change; returns what was undone.
  func undo() throws -> String {
    guard let last = undoStack.last else {
      throw LabError(
        message: "nothing to undo",
        hint: "undo reverses add, insert, remove, kernel, reset, load, seed and fit")
    }
    try model.restore(last.snapshot)
    if let (optimizer, state) = last.optimizer { optimizer.snapshot = state }
    undoStack.removeLast()
    return last.description
  }

  /// A new, empty model with the session's seed and no input shape: the
  /// next image or dataset (or the first layer's input_shape) gives it one.
  func replaceModel(_ description: String) throws {
    try changeModel {
      try model.restore(Sequential(seed: seed).snapshot())
      return description
    }
  }

  /// True while a typed line runs: its changes all stay undoable until it
  /// ends, however many, so a failure can take every one back.
  var holdsUndo = false {
    didSet {
      if !holdsUndo, undoStack.count > Self.undoLimit {
        undoStack.removeFirst(undoStack.count - Self.undoLimit)
      }
      if !holdsUndo { keepUndoWithinBudget() }
    }
  }

  /// A mark of the changes made so far, for ``rollBack(to:)``.
  var undoCount: Int { changeSerial }

  /// Takes back every change made since `undoCount` was `mark`, newest first.
  func rollBack(to mark: Int) {
    while let last = undoStack.last, last.serial > mark {
      try? model.restore(last.snapshot)
      if let (optimizer, state) = last.optimizer { optimizer.snapshot = state }
      undoStack.removeLast()
    }
  }

  /// Restarts every random draw from `newSeed` and redraws the model's weights.
  func reseed(_ newSeed: UInt64) throws {
    try changeModel {
      seed = newSeed
      model.reseed(newSeed)
      try model.reinitialize()
      return "seed \(newSeed)"
    }
  }
}
