import sys
out = open(sys.argv[2]).read().split()
ans = open(sys.argv[3]).read().split()
sys.exit(0 if out == ans else 1)
