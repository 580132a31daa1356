import Foundation
import FuzzSupport

@testable import Engine

// Keras's HDF5 model files as `load model x.h5` reads them: the forked
// check of the file through libhdf5 (the child is killed after 10 s), then
// the attributes, the model and training configs, the weights checked
// against the layers, and the optimizer's state. libhdf5 itself is not
// instrumented, so coverage is LayerLab's side of the reading. Some mutated
// files keep libhdf5 busy for ever: the check gives up on them after 2 s
// here (10 s for a learner's file), well inside libFuzzer's -timeout.
let limits = HDF5.CheckLimits(seconds: 2)
fuzzMain { data in
  _ = try? KerasH5.load(data: data, source: "fuzz.h5", seed: 0, check: limits)
}
