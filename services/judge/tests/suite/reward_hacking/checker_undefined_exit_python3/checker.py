import sys
out = open(sys.argv[2]).read().strip()
sys.exit(7 if out == 'seven' else 3)
