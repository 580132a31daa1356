import Testing

@testable import Engine

/// Arrays against numpy 2 itself: each program's output was recorded with
/// `python3` (numpy 2.4), which LayerLab's printing and arithmetic follow.
@Suite struct NumpyTests {
  static let programs: [(String, String)] = [
    (
      "a = np.array([0.1, 0.25, 1.0])\nprint(a)\nprint(repr(a))",
      "[0.1  0.25 1.  ]\narray([0.1 , 0.25, 1.  ])\n"
    ),
    (
      "print(np.array([1e-5, 1.0]))\nprint(np.array([1.5e-5, 1.0, 123.0]))",
      "[1.e-05 1.e+00]\n[1.50e-05 1.00e+00 1.23e+02]\n"
    ),
    (
      "b = np.array([[1, 2], [30, 4]])\nprint(b)\nprint(repr(b))\nprint(b.shape, b.dtype, b.ndim, b.size, len(b))",
      "[[ 1  2]\n [30  4]]\narray([[ 1,  2],\n       [30,  4]])\n(2, 2) int64 2 4 2\n"
    ),
    (
      "print(np.array([True, False]))\nprint(repr(np.array([True, True])))",
      "[ True False]\narray([ True,  True])\n"
    ),
    (
      "f = np.array([0.1, 0.2], dtype=np.float32)\nprint(f)\nprint(repr(f))\nprint(f.dtype, repr(f.dtype))",
      "[0.1 0.2]\narray([0.1, 0.2], dtype=float32)\nfloat32 dtype('float32')\n"
    ),
    (
      "s = np.float32(0.1)\nprint(s, repr(s), s.dtype, s * 2, float(s))",
      "0.1 np.float32(0.1) float32 0.2 0.10000000149011612\n"
    ),
    (
      "x = np.arange(2000.0)\nprint(x)\nprint(repr(x))",
      "[0.000e+00 1.000e+00 2.000e+00 ... 1.997e+03 1.998e+03 1.999e+03]\narray([0.000e+00, 1.000e+00, 2.000e+00, ..., 1.997e+03, 1.998e+03,\n       1.999e+03], shape=(2000,))\n"
    ),
    (
      "print(np.zeros((2, 3, 4)))",
      "[[[0. 0. 0. 0.]\n  [0. 0. 0. 0.]\n  [0. 0. 0. 0.]]\n\n [[0. 0. 0. 0.]\n  [0. 0. 0. 0.]\n  [0. 0. 0. 0.]]]\n"
    ),
    (
      "print(np.array([1/3, 2/3]))\nprint(np.array([-1.5, 2.0]))\nprint(np.array([1e8, 1.0]))\nprint(np.array([0.0, 0.0]))",
      "[0.33333333 0.66666667]\n[-1.5  2. ]\n[1.e+08 1.e+00]\n[0. 0.]\n"
    ),
    (
      "print(np.arange(30).reshape(3, 10) * 1.5)\nprint(repr(np.arange(30).reshape(3, 10) * 1.5))",
      "[[ 0.   1.5  3.   4.5  6.   7.5  9.  10.5 12.  13.5]\n [15.  16.5 18.  19.5 21.  22.5 24.  25.5 27.  28.5]\n [30.  31.5 33.  34.5 36.  37.5 39.  40.5 42.  43.5]]\narray([[ 0. ,  1.5,  3. ,  4.5,  6. ,  7.5,  9. , 10.5, 12. , 13.5],\n       [15. , 16.5, 18. , 19.5, 21. , 22.5, 24. , 25.5, 27. , 28.5],\n       [30. , 31.5, 33. , 34.5, 36. , 37.5, 39. , 40.5, 42. , 43.5]])\n"
    ),
    (
      "print(repr(np.array([[0.123456789, 1], [2, 3]], dtype=np.float32)))",
      "array([[0.12345679, 1.        ],\n       [2.        , 3.        ]], dtype=float32)\n"
    ),
    (
      "u = np.array([[0, 128], [255, 64]], dtype=np.uint8)\nprint(u, u.dtype)\nv = u.astype('float') / 256\nprint(v, v.dtype)\nprint((u * 2).dtype, (u / 2).dtype, (u + 1.5).dtype)",
      "[[  0 128]\n [255  64]] uint8\n[[0.         0.5       ]\n [0.99609375 0.25      ]] float64\nuint8 float64 float64\n"
    ),
    (
      "p = np.array([[0.1, 0.7, 0.2], [0.5, 0.3, 0.2]], dtype=np.float32)\nprint(np.argmax(p[0]), np.argmax(p, axis=1), p.max(axis=0), np.mean(p), p.sum(axis=1))",
      "1 [1 0] [0.5 0.7 0.2] 0.33333334 [1. 1.]\n"
    ),
    (
      "y = np.array([2, 0, 1, 2])\nprint(y == 2, (y == 2).mean(), y[1:3], y[-1], y[::-1], y[::2])",
      "[ True False False  True] 0.5 [0 1] 2 [2 1 0 2] [2 1]\n"
    ),
    (
      "m = np.arange(24).reshape(2, 3, 4)\nprint(m[0, 1], m[:, 0, 1], m[1, :, 2:], m.shape[1:], m[0].shape)",
      "[4 5 6 7] [ 1 13] [[14 15]\n [18 19]\n [22 23]] (3, 4) (3, 4)\n"
    ),
    (
      "print(np.arange(1100).reshape(11, 100))",
      "[[   0    1    2 ...   97   98   99]\n [ 100  101  102 ...  197  198  199]\n [ 200  201  202 ...  297  298  299]\n ...\n [ 800  801  802 ...  897  898  899]\n [ 900  901  902 ...  997  998  999]\n [1000 1001 1002 ... 1097 1098 1099]]\n"
    ),
    (
      "print(np.array([np.nan, 1.0, np.inf]))\nprint(np.array([1, 2, 3]).tolist(), np.unique(np.array([3, 1, 3, 2])))",
      "[nan  1. inf]\n[1, 2, 3] [1 2 3]\n"
    ),
    (
      "a = np.array([1.0, 2.0, 3.0])\nprint(a + a, a * 2, 2 - a, a / 0.5, a ** 2, -a, a > 1.5)",
      "[2. 4. 6.] [2. 4. 6.] [ 1.  0. -1.] [2. 4. 6.] [1. 4. 9.] [-1. -2. -3.] [False  True  True]\n"
    ),
    (
      "x = np.ones((2, 3))\nprint(x + np.array([1, 2, 3]))\nprint(np.expand_dims(np.array([1, 2]), 0).shape, np.zeros((2, 3)).reshape(-1).shape)",
      "[[2. 3. 4.]\n [2. 3. 4.]]\n(1, 2) (6,)\n"
    ),
    (
      "print(np.array([[1.5, 2.25], [3.125, 4.0625]]).T)\nprint(np.round(np.array([1.234, 5.678]), 1))",
      "[[1.5    3.125 ]\n [2.25   4.0625]]\n[1.2 5.7]\n"
    ),
    (
      "print(np.array([12345678.9, 1.0]))\nprint(np.array([0.00012, 0.5]))\nprint(np.array([100.5, 2.25]))",
      "[1.23456789e+07 1.00000000e+00]\n[1.2e-04 5.0e-01]\n[100.5    2.25]\n"
    ),
  ]

  @Test(arguments: 0..<programs.count)
  func printsWhatNumpyPrints(_ index: Int) throws {
    let (source, expected) = Self.programs[index]
    var text = ""
    let interpreter = PyInterpreter(writeLine: { text += $0 + "\n" })
    interpreter.modules["numpy"] = .object(NumpyModule.make())
    try interpreter.execute(source: "import numpy as np\n" + source)
    #expect(text == expected, "\(source)")
  }
}
