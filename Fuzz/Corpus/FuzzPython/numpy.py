x = np.array([[1.5, 2.5], [3, 4]], dtype=np.float32)
print(x.T, x.mean(), np.max(np.abs(x - 1)), x.astype('uint8'), np.unique(np.array([3, 1, 3]), return_counts=True))
