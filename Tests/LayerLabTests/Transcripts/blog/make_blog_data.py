"""Writes augumented_images.npz: the blog's four arrays (X_train, x_test,
Y_train, y_test) for a small stand-in of its six creatures, 8-bit pixels.

The blog saves them with np.save of a tuple (a pickled object array);
until LayerLab's restricted unpickler lands, the test stores the same four
arrays in an .npz under the .npy name, which np.load also opens.

    python3 make_blog_data.py
"""
import numpy as np

rng = np.random.default_rng(2019)
SIZE = 20
COLOURS = [(200, 120, 40), (90, 90, 90), (150, 80, 30), (40, 160, 220), (40, 90, 200), (60, 170, 60)]


def picture(label):
    image = np.full((SIZE, SIZE, 3), 235, dtype=np.float64)
    y, x = np.mgrid[0:SIZE, 0:SIZE]
    cy, cx = rng.integers(6, SIZE - 6, size=2)
    radius = 3 + label % 3 + rng.random()
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
np.savez_compressed("augumented_images.npz", X_train=X_train, x_test=x_test, Y_train=Y_train, y_test=y_test)
