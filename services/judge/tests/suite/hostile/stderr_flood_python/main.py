import sys

print(3, flush=True)
line = "e" * 1000 + "\n"
while True:
    sys.stderr.write(line)
