import sys

k = input().strip()
if k == "lines":
    for i in range(200000):
        print(i)
else:
    sys.stdout.write("z" * (3 << 20))
