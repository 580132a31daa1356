def twice(x):
    return 2 * x

for i in range(3):
    if i % 2:
        print(twice(i))
    else:
        continue
