#!/usr/bin/env python3
"""Makes the small files EngineTests reads. Run from anywhere:

    python3 Tests/EngineTests/Fixtures/make_fixtures.py

Needs numpy, and gcc with libjpeg-dev for the two JPEGs. PNGs are written
by hand with zlib (no Pillow here), so they exercise libpng on files we did
not encode ourselves. The expected values are written out in the Swift tests.
"""
import os
import struct
import subprocess
import tempfile
import zlib

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def path(name):
    return os.path.join(HERE, name)


# --- .npy, one per dtype, plus the odd cases ---
np.save(path("f4.npy"), (np.arange(6, dtype=np.float32) * 0.5 - 1).reshape(2, 3))
np.save(path("f8.npy"), np.array([1.5, -2.25, 1e300], dtype=np.float64))
np.save(path("u1.npy"), np.array([[0, 1], [254, 255]], dtype=np.uint8))
np.save(path("i4.npy"), np.array([-2147483648, -1, 0, 2147483647], dtype=np.int32))
np.save(path("i8.npy"), np.array([-9000000000000000000, 9000000000000000000], dtype=np.int64))
np.save(path("b1.npy"), np.array([True, False, True]))
np.save(path("be_f4.npy"), np.array([1.0, -2.5], dtype=">f4"))
np.save(path("scalar.npy"), np.float32(3.25))
with open(path("v2.npy"), "wb") as f:
    np.lib.format.write_array(f, np.array([[1, 2], [3, 4]], dtype=np.float32), version=(2, 0))
np.save(path("fortran.npy"), np.asfortranarray(np.arange(6, dtype=np.float32).reshape(2, 3)))
np.save(path("object.npy"), np.array([1, "a"], dtype=object), allow_pickle=True)
# A float image with a NaN, for the non-finite check.
np.save(path("nan_image.npy"), np.array([[0.5, np.nan], [0.25, 1.0]], dtype=np.float32))

# --- .npz, stored and deflated, with a name containing '/' ---
arrays = {
    "conv2d/kernel": np.arange(8, dtype=np.float32).reshape(2, 2, 1, 2),
    "labels": np.array([3, 1, 2], dtype=np.int64),
}
np.savez(path("stored.npz"), **arrays)
np.savez_compressed(path("deflated.npz"), **arrays)


# --- PNG by hand: 5 wide, 4 high ---
def png(name, width, height, color_type, rows):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + bytes(row) for row in rows)
    ihdr = struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)
    body = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
    with open(path(name), "wb") as f:
        f.write(body)


W, H = 5, 4
gray = [[(10 * y + 40 * x) % 256 for x in range(W)] for y in range(H)]
png("gray.png", W, H, 0, gray)
rgb = [[v for x in range(W) for v in (50 * x, 60 * y, 255 - 10 * (x + y))] for y in range(H)]
png("rgb.png", W, H, 2, rgb)
# Alpha varies; the decoder must drop it, not blend with it.
rgba = [[v for x in range(W) for v in (50 * x, 60 * y, 7, 60 * x)] for y in range(H)]
png("rgba.png", W, H, 6, rgba)

# --- Netpbm: ASCII and binary, gray and colour, odd maxvals, comments ---
with open(path("ascii.pgm"), "w") as f:
    f.write("P2\n# a comment\n3 2\n# another\n15\n0 5 15\n10 15 3\n")
with open(path("ascii.ppm"), "w") as f:
    f.write("P3 2 1 255\n255 0 10  1 2 3\n")
with open(path("binary.pgm"), "wb") as f:
    f.write(b"P5\n3 2\n255\n" + bytes([0, 128, 255, 1, 2, 3]))
with open(path("binary.ppm"), "wb") as f:
    f.write(b"P6 # comment after magic\n2 1\n255\n" + bytes([255, 0, 10, 1, 2, 3]))
with open(path("wide.pgm"), "wb") as f:
    f.write(b"P5\n2 1\n1023\n" + struct.pack(">HH", 1023, 341))

# --- JPEG via libjpeg ---
with tempfile.TemporaryDirectory() as tmp:
    exe = os.path.join(tmp, "make_jpeg")
    subprocess.run(["gcc", "-O1", "-o", exe, path("make_jpeg.c"), "-ljpeg"], check=True)
    subprocess.run([exe, path("rgb.jpg"), "16", "8", "3", "200", "100", "50"], check=True)
    subprocess.run([exe, path("gray.jpg"), "8", "8", "1", "128"], check=True)
