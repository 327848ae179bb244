import os
import sys

k = input().strip()
if k == "no-newline":
    sys.stdout.write("x" * 100000)
elif k == "print-end":
    print("abc", end="")
    sys.stdout.write("def")
elif k == "os-exit-lost":
    print("lost in the buffer")
    os._exit(0)
elif k == "os-exit-flushed":
    print("kept", flush=True)
    os._exit(0)
elif k == "stderr":
    sys.stderr.write("partial line on stderr")
    os._exit(3)
elif k == "mixed":
    for i in range(5):
        print(i)
        print(i, file=sys.stderr)
    sys.stdout.buffer.write(b"raw bytes\n")
    print("after raw")
