import sys


def dive(n):
    try:
        return dive(n + 1)
    except RecursionError as e:
        return n, str(e)


k = input().strip()
if k == "default":
    depth, msg = dive(0)
    print(sys.getrecursionlimit(), depth // 50 * 50, msg)
elif k == "raised":
    sys.setrecursionlimit(10**6)

    def down(n):
        return 0 if n == 0 else down(n - 1) + 1

    print(down(100000))
elif k == "uncaught":
    def forever(n):
        return forever(n + 1)

    forever(0)
