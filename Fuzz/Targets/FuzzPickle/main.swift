import Foundation
import FuzzSupport

@testable import Engine

// The restricted unpickler behind np.load of a pickled .npy (the blog's
// augumented_images.npy): opcodes, the memo, numpy's reconstructors and
// dtypes. Smaller limits than a file gets, so that each input is quick.
fuzzMain { data in
  var limits = Pickle.Limits()
  limits.maxOpcodes = 200_000
  limits.maxMemo = 20_000
  _ = try? Pickle.decode(data, source: "fuzz.pkl", limits: limits)
}
