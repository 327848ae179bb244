import sys

# Echo: what a test feeds on stdin is exactly what the checker gets as output.
sys.stdout.write(sys.stdin.read())
