import sys
SECRET = "xcs-{{TOKEN}}"
sys.exit(0 if sys.stdin.readline().split() == [SECRET] else 1)
