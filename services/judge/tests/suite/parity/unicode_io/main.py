import sys

s = input()
print(s.upper(), len(s), len(s.encode()))
print(ascii(s))
print("€ ß ✓ 日本語 🎉")
sys.stdout.write("ñ\n")
print("stderr ünïcode ✓", file=sys.stderr)
print(sys.stdin.read().split())
