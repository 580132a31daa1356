#!/usr/bin/env python3
"""Writes the pickled .npy fixtures that PickleTests reads, with numpy itself.

numpy stores an object array (np.save of a tuple of arrays of different
lengths, as the seed script's data file is) as a pickle after the .npy
header. Which pickle depends on the era (numpy/lib/format.py, write_array):
numpy 1.16 writes protocol 2, 1.17-1.26 protocol 3, 2.x protocol 4. Run this
script once under each era; every run writes files tagged with its numpy
(np116, np126, np24) and leaves the other eras' files alone:

    PYENV_VERSION=3.7.16 python -m venv /tmp/np116 && /tmp/np116/bin/pip install numpy==1.16.6
    python3 -m venv /tmp/np126 && /tmp/np126/bin/pip install numpy==1.26.4
    /tmp/np116/bin/python Tests/EngineTests/Fixtures/pickled/make_pickled.py
    /tmp/np126/bin/python Tests/EngineTests/Fixtures/pickled/make_pickled.py
    python3 Tests/EngineTests/Fixtures/pickled/make_pickled.py

The numpy 2.x run also writes the files no numpy writes by itself: a
Python-2 pickle assembled opcode by opcode, and hostile pickles that name
os.system and friends. Next to every file it writes NAME.expected.json: what
np.load returned (each array's dtype, shape and values, floats as
float.hex so the comparison is exact), the pickle protocol and every global
the pickle names, or, for the hostile files, the global that must be refused.
The hostile files are never loaded here: np.load would run them.
"""
import io
import json
import os
import pickle
import pickletools
import struct
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
MAJOR, MINOR = (int(p) for p in np.__version__.split(".")[:2])
TAG = "np%d%d" % (MAJOR, MINOR)
MARKER = "/tmp/layerlab-pickle-fixture-ran"


def path(name):
    return os.path.join(HERE, name)


def header(count):
    """The .npy header numpy writes in front of an object array of `count` items."""
    out = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        out, {"descr": "|O", "fortran_order": False, "shape": (count,)})
    return out.getvalue()


def pickle_of(data):
    """The pickle after a .npy header, or the whole file for a plain pickle."""
    if data.startswith(b"\x93NUMPY"):
        length = data[8] | data[9] << 8
        return data[10 + length:]
    return data


class _Stub:
    """Stands in for every global while names are collected: calling it or
    setting its state does nothing, so no pickle can run anything here."""

    def __init__(self, *args, **kwargs):
        pass

    def __setstate__(self, state):
        pass


class _GlobalRecorder(pickle.Unpickler):
    def find_class(self, module, name):
        self.names.add(module + "." + name)
        return _Stub


def globals_named(payload):
    """Every `module.name` the pickle imports, as written (no fix_imports)."""
    recorder = _GlobalRecorder(io.BytesIO(payload), fix_imports=False, encoding="latin1")
    recorder.names = set()
    recorder.load()
    return sorted(recorder.names)


def protocol_of(payload):
    first = next(pickletools.genops(payload))
    return first[1] if first[0].name == "PROTO" else 0


def describe(a):
    a = np.asarray(a)
    if a.dtype.kind == "f":
        values = [float(v).hex() for v in a.ravel(order="C")]
    else:
        values = [str(int(v)) for v in a.ravel(order="C")]
    return {"dtype": a.dtype.str, "shape": list(a.shape), "values": values}


def write_expected(name, loaded):
    data = open(path(name), "rb").read()
    payload = pickle_of(data)
    if isinstance(loaded, np.ndarray) and loaded.dtype != object:
        kind, items = "array", [describe(loaded)]
    else:
        kind, items = "objects", [describe(a) for a in loaded]
    expected = {
        "numpy": np.__version__, "python": sys.version.split()[0],
        "protocol": protocol_of(payload), "globals": globals_named(payload),
        "kind": kind, "items": items,
    }
    with open(path(name + ".expected.json"), "w") as f:
        json.dump(expected, f, separators=(",", ":"))
        f.write("\n")


def save_npy(name, arrays, protocol=None):
    """np.save of an object array holding `arrays`, or the same header followed
    by pickle.dump at an explicit protocol (what np.save would do at it)."""
    obj = np.empty(len(arrays), dtype=object)
    for i, a in enumerate(arrays):
        obj[i] = a
    if protocol is None:
        np.save(path(name), obj, allow_pickle=True)
    else:
        with open(path(name), "wb") as f:
            f.write(header(len(arrays)))
            pickle.dump(obj, f, protocol=protocol)
    loaded = np.load(path(name), allow_pickle=True)
    assert loaded.dtype == object and len(loaded) == len(arrays), name
    for a, b in zip(arrays, loaded):
        # numpy 1.16 unpickles big-endian arrays into native byte order.
        same_type = (a.dtype.kind, a.dtype.itemsize) == (b.dtype.kind, b.dtype.itemsize)
        assert same_type and a.shape == b.shape and np.array_equal(a, b), name
    write_expected(name, loaded)


def save_pickle(name, value, protocol):
    """A plain pickle file; np.load(allow_pickle=True) returns the value itself."""
    with open(path(name), "wb") as f:
        pickle.dump(value, f, protocol=protocol)
    loaded = np.load(path(name), allow_pickle=True)
    write_expected(name, loaded)


def every_dtype():
    """One small array per dtype numpy pickles, both byte orders, both memory orders."""
    r = np.arange(6)
    arrays = [np.array([0, 1, 200, 255], dtype="u1"), np.array([-128, -1, 0, 127], dtype="i1")]
    arrays += [np.array([0, 1, 65535], dtype="u2"), np.array([-32768, -1, 32767], dtype="i2")]
    arrays += [np.array([-2**31, -1, 2**31 - 1], dtype="i4"), np.array([-2**63, -1, 2**63 - 1], dtype="i8")]
    arrays += [np.array([0, 1, 2**32 - 1], dtype="u4"), np.array([0, 1, 2**63 - 1], dtype="u8")]
    arrays += [np.array([0.5, -2.0, 65504.0, 6e-8], dtype="f2")]
    arrays += [np.array([1.5, -0.25, 3.4e38, 1e-45], dtype="f4")]
    arrays += [np.array([1.5, -2.25, 1e300, 5e-324], dtype="f8")]
    arrays += [np.array([True, False, True])]
    arrays += [np.array([1, -2, 300], dtype=">i2"), np.array([1, 2**32 - 1], dtype=">u4")]
    arrays += [np.array([1.0, -2.5], dtype=">f4"), np.array([1e-300, -7.0], dtype=">f8")]
    arrays += [np.asfortranarray((r * 0.5).reshape(2, 3))]
    arrays += [np.asfortranarray(np.arange(12, dtype=">i2").reshape(2, 3, 2))]
    arrays += [np.array(3.25, dtype="f4"), np.zeros((0, 3), dtype="f4")]
    # Neither C- nor Fortran-contiguous: protocol 5 writes it with order 'K'.
    arrays += [np.arange(24, dtype="i4").reshape(2, 3, 4).transpose(1, 0, 2)]
    return arrays


def four_arrays(train, test, size, seed):
    rng = np.random.RandomState(seed)
    return (
        rng.randint(0, 256, size=(train, size, size, 3)).astype(np.uint8),
        rng.randint(0, 256, size=(test, size, size, 3)).astype(np.uint8),
        np.arange(train) % 6,
        (np.arange(test) + 1) % 6,
    )


def the_seed_file():
    """As the blog wrote data/augumented_images.npy: np.save of a tuple of four
    arrays of different lengths, which numpy before 1.24 turns into an object
    array (1.24 refuses ragged sequences, so the other eras use np.empty)."""
    arrays = four_arrays(24, 8, 8, seed=1)
    name = "augumented_images_np116.npy"
    np.save(path(name), arrays)
    loaded = np.load(path(name), allow_pickle=True)
    assert loaded.dtype == object and loaded.shape == (4,)
    write_expected(name, loaded)


# --- files no numpy writes by itself (written by the numpy 2.x run) ---

def op(code, *parts):
    return code + b"".join(parts)


def python2_pickle():
    """The pickle Python 2's numpy writes for an object array holding a uint8
    and a float64 array (protocol 2; Python 2 `str` is SHORT_BINSTRING or
    BINSTRING, which np.load reads with encoding='latin1'). Assembled opcode
    by opcode (semantics: Lib/pickletools.py); `python3 make_pickled.py --show`
    prints pickletools.dis of the result."""
    def s(text):  # SHORT_BINSTRING: 1-byte length, raw bytes
        raw = text if isinstance(text, bytes) else text.encode("latin1")
        return op(b"U", bytes([len(raw)]), raw) if len(raw) < 256 else op(
            b"T", struct.pack("<i", len(raw)), raw)

    def dtype(name, endian):
        # numpy.dtype(name, 0, 1) then BUILD with the version-3 state
        # (3, endian, subarray, names, fields, elsize, alignment, flags).
        return (op(b"c", b"numpy\ndtype\n") + s(name) + op(b"K", b"\x00") + op(b"K", b"\x01")
                + b"\x87" + b"R" + b"(" + op(b"K", b"\x03") + s(endian) + b"NNN"
                + op(b"J", struct.pack("<i", -1)) + op(b"J", struct.pack("<i", -1))
                + op(b"K", bytes([63 if name == "O8" else 0])) + b"t" + b"b")

    def array(shape, dtype_ops, data):
        # _reconstruct(ndarray, (0,), 'b') then BUILD (1, shape, dtype, fortran, data).
        dims = b"(" + b"".join(op(b"K", bytes([d])) for d in shape) + b"t"
        return (op(b"c", b"numpy.core.multiarray\n_reconstruct\n") + op(b"c", b"numpy\nndarray\n")
                + op(b"K", b"\x00") + b"\x85" + s("b") + b"\x87" + b"R"
                + b"(" + op(b"K", b"\x01") + dims + dtype_ops + b"\x89" + data + b"t" + b"b")

    u1 = np.array([0, 127, 128, 200, 255], dtype="u1")
    f8 = np.arange(40, dtype="<f8").reshape(5, 8) * -1.5  # 320 bytes: BINSTRING
    items = (b"]" + b"(" + array(u1.shape, dtype("u1", "|"), s(u1.tobytes()))
             + array(f8.shape, dtype("f8", "<"), s(f8.tobytes())) + b"e")
    outer = array((2,), dtype("O8", "|"), items)
    return b"\x80\x02" + outer + b".", [u1, f8]


def python2_file():
    payload, arrays = python2_pickle()
    name = "python2_strings.npy"
    with open(path(name), "wb") as f:
        f.write(header(2) + payload)
    loaded = np.load(path(name), allow_pickle=True, encoding="latin1")
    for a, b in zip(arrays, loaded):
        assert a.dtype == b.dtype and np.array_equal(a, b)
    write_expected(name, loaded)


class Reduce:
    """An object whose pickle calls `func(*args)` when loaded, as an attacker's would."""

    def __init__(self, func, args):
        self.func, self.args = func, args

    def __reduce__(self):
        return (self.func, self.args)


def hostile_files():
    import subprocess
    touch = "touch " + MARKER
    cases = [
        ("evil_posix_system.npy", "posix.system", os.system, (touch,), None),
        ("evil_builtins_eval.pkl", "builtins.eval", eval, ("open(%r, 'w')" % MARKER,), 4),
        ("evil_subprocess_popen_p3.npy", "subprocess.Popen", subprocess.Popen, (["touch", MARKER],), 3),
    ]
    for name, refused, func, args, protocol in cases:
        inner = [np.arange(3, dtype="u1"), Reduce(func, args)]
        if name.endswith(".pkl"):
            payload = pickle.dumps(inner, protocol=protocol)
            data = payload
        elif protocol is None:
            out = io.BytesIO()
            obj = np.empty(2, dtype=object)
            obj[0], obj[1] = inner
            np.save(out, obj, allow_pickle=True)
            data = out.getvalue()
        else:
            obj = np.empty(2, dtype=object)
            obj[0], obj[1] = inner
            data = header(2) + pickle.dumps(obj, protocol=protocol)
        assert refused in globals_named(pickle_of(data)), (name, globals_named(pickle_of(data)))
        with open(path(name), "wb") as f:
            f.write(data)
        with open(path(name + ".expected.json"), "w") as f:
            json.dump({"refused": refused, "globals": globals_named(pickle_of(data))}, f, indent=1)
            f.write("\n")
    # `os.system` by that name (pickle writes os.system as posix.system on
    # Linux), assembled: GLOBAL 'os system', a string argument, TUPLE1, REDUCE.
    name = "evil_os_system.npy"
    payload = b"\x80\x02cos\nsystem\n" + op(b"X", struct.pack("<I", len(touch)), touch.encode()) + b"\x85R."
    with open(path(name), "wb") as f:
        f.write(header(1) + payload)
    with open(path(name + ".expected.json"), "w") as f:
        json.dump({"refused": "os.system", "globals": globals_named(payload)}, f, indent=1)
        f.write("\n")


def not_datasets():
    """Pickled files np.load reads that are not four numeric arrays."""
    a, b, c, _ = four_arrays(3, 2, 2, seed=2)
    save_npy("three_arrays_np24.npy", [a, b, c])
    inner = np.empty(1, dtype=object)
    inner[0] = np.arange(2)
    nested = np.empty(2, dtype=object)
    nested[0], nested[1] = np.arange(3), inner
    strings = np.empty(2, dtype=object)
    strings[0], strings[1] = np.arange(3), np.array(["cat", "dog"])
    for name, value in [
        ("dict_np24.npy", {"x": np.arange(3)}),
        ("mixed_np24.npy", np.array([1, "a"], dtype=object)),
        ("nested_np24.npy", nested),
        ("strings_np24.npy", strings),
    ]:
        np.save(path(name), value, allow_pickle=True)
        loaded = np.load(path(name), allow_pickle=True)
        payload = pickle_of(open(path(name), "rb").read())
        with open(path(name + ".expected.json"), "w") as f:
            json.dump({"numpy_returns": repr(loaded), "globals": globals_named(payload)}, f, indent=1)
            f.write("\n")


def main():
    if "--show" in sys.argv:
        pickletools.dis(python2_pickle()[0])
        return
    protocols = [2, 3, 4] + ([5] if sys.version_info >= (3, 8) else [])
    default = {(1, 16): 2}.get((MAJOR, MINOR), 3 if MAJOR == 1 else 4)
    save_npy("dtypes_%s.npy" % TAG, every_dtype())
    for p in protocols:
        if p != default:
            save_npy("dtypes_%s_p%d.npy" % (TAG, p), every_dtype(), protocol=p)
    save_npy("four_arrays_%s.npy" % TAG, list(four_arrays(6, 2, 4, seed=3)))
    two = [np.arange(6, dtype="f4").reshape(2, 3), np.arange(6, 12, dtype="f4").reshape(2, 3)]
    save_npy("equal_shapes_%s.npy" % TAG, two)
    shared = np.array([1.0, -2.0, 0.5], dtype=">f4")
    save_npy("shared_%s.npy" % TAG, [shared, shared, shared.astype("<f4")])
    highest = protocols[-1]
    save_pickle("list_%s.pkl" % TAG, [np.arange(4, dtype="u1"), np.arange(3, dtype="f4") * 0.5], highest)
    save_pickle("tuple_%s_p2.pkl" % TAG, (np.arange(3), np.eye(2)), 2)
    save_pickle("array_%s.pkl" % TAG, np.arange(6, dtype="i2").reshape(3, 2), highest)
    if (MAJOR, MINOR) == (1, 16):
        the_seed_file()
    if MAJOR >= 2:
        python2_file()
        hostile_files()
        not_datasets()
    assert not os.path.exists(MARKER), "a hostile pickle ran"


if __name__ == "__main__":
    main()
