import sys
ans = open(sys.argv[2]).read().split()
sys.exit(0 if sys.stdin.readline().split() == ans else 1)
