"""A two-pass interactive validator (Kattis protocol, own code). Pass 1: it sends "x" and wants
x + 1, then writes nextpass.in ("2 <x+1>") and marks the pass in feedback_dir/pass. Pass 2: the solution has gone; the interactor writes to it with SIGPIPE's default action and dies of it.
"""

import os
import sys

inp, ans, feedback = sys.argv[1], sys.argv[2], sys.argv[3]
second = os.path.exists(os.path.join(feedback, "pass"))
words = open(inp).read().split()
print(" ".join(words), flush=True)
if not second:
    reply = sys.stdin.readline().split()
    if reply != [str(int(words[-1]) + 1)]:
        sys.exit(43)
    with open(os.path.join(feedback, "nextpass.in"), "w") as f:
        f.write("2 %d\n" % (int(words[-1]) + 1))
    with open(os.path.join(feedback, "pass"), "w") as f:
        f.write("1")
    sys.exit(42)
import signal
import time

signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # as a C interactor: killed by the broken pipe
sys.stdin.read()  # the solution's end of output: it has exited
time.sleep(0.2)
for _ in range(1000):
    sys.stdout.write("more\n" * 1000)
    sys.stdout.flush()
sys.exit(42)  # never reached: the pipe has no reader
