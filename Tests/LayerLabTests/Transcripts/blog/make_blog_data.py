"""Writes augumented_images.npy as the blog's script reads it: np.save of the
tuple (X_train, x_test, Y_train, y_test), four arrays of different lengths,
which numpy before 1.24 stores as a pickled object array. The pictures are a
small stand-in for its six creatures (a disc or a box of the creature's
colour on a light background, with noise), 8-bit pixels, 20x20.

Run with the blog's numpy (1.16):

    PYENV_VERSION=3.7.16 python -m venv /tmp/np116
    /tmp/np116/bin/pip install numpy==1.16.6
    /tmp/np116/bin/python make_blog_data.py
"""
import numpy as np

assert np.__version__.startswith("1.16."), "write it with numpy 1.16, as the blog did"

rng = np.random.RandomState(2019)
SIZE = 20
COLOURS = [(200, 120, 40), (90, 90, 90), (150, 80, 30), (40, 160, 220), (40, 90, 200), (60, 170, 60)]


def picture(label):
    image = np.full((SIZE, SIZE, 3), 235, dtype=np.float64)
    y, x = np.mgrid[0:SIZE, 0:SIZE]
    cy, cx = rng.randint(6, SIZE - 6, size=2)
    radius = 3 + label % 3 + rng.random_sample()
    if label < 3:
        mask = (y - cy) ** 2 + (x - cx) ** 2 <= radius ** 2
    else:
        mask = (abs(y - cy) <= radius) & (abs(x - cx) <= radius + label - 3)
    image[mask] = COLOURS[label]
    image += rng.normal(0, 8, image.shape)
    return np.clip(image, 0, 255).astype(np.uint8)


def split(count):
    labels = np.repeat(np.arange(6), count)
    rng.shuffle(labels)
    return np.stack([picture(int(c)) for c in labels]), labels.astype(np.int64)


X_train, Y_train = split(25)
x_test, y_test = split(10)
np.save("augumented_images.npy", (X_train, x_test, Y_train, y_test))
loaded = np.load("augumented_images.npy", allow_pickle=True)
assert loaded.dtype == object and loaded.shape == (4,)
