X_train, x_test, Y_train, y_test = np.load('x.npy')
print(X_train.shape)
