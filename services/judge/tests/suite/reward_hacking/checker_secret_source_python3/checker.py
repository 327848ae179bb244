import sys
SECRET = "xcs-{{TOKEN}}"
sys.exit(0 if open(sys.argv[2]).read().split() == [SECRET] else 1)
