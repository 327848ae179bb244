import sys

sys.setrecursionlimit(10**6)


def depth(n):
    return 0 if n == 0 else depth(n - 1) + 1


print(depth(int(input())))
