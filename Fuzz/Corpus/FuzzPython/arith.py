a = np.arange(12).reshape(3, 4)
b = a[:, 1] * 2.5
print(a.sum(axis=0), np.argmax(a, axis=-1), b.dtype)
