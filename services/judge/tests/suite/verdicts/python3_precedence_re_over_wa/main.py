import sys

n = int(input())
if n == 1:
    print("wrong")
    sys.exit(4)
if n == 2:
    print("still wrong", flush=True)
    while True:
        pass
print(n)
