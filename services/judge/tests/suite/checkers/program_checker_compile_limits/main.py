n, mode = input().split()
n = int(n)
if mode == "split":
    print(n // 2, n - n // 2)
elif mode == "bad":
    print(1, n)
elif mode == "junk":
    print("abc")
else:  # good, and the modes where the checker itself fails on a right answer
    print(0, n)
