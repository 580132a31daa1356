xs = [i * i for i in range(5) if i % 2]
t = (1,)
a, b = 1, 2
print(sorted(xs), len(t), a + b, 2 ** 10, 7 // 2, -7 % 3)
