import sys

data = sys.stdin.read().split()
print(" ".join(reversed(data)))
sys.exit(int(data[0]) if data[0] == "7" else 0)
