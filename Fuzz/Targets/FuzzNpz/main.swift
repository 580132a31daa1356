import FuzzSupport

@testable import Engine

// `.npz` archives: the zip directory, member headers read before inflating,
// CRC-32, declared against real sizes.
fuzzMain { data in _ = try? Npz.decode(data, source: "fuzz.npz") }
