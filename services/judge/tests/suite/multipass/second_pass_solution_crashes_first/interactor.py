"""A two-pass interactive validator (Kattis protocol, own code). Pass 1: it sends "x" and wants
x + 1, then writes nextpass.in ("2 <x+1>") and marks the pass in feedback_dir/pass. Pass 2: it waits for the answer and rejects end of input.
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
reply = sys.stdin.readline().split()
sys.exit(42 if reply == ["2", str(int(words[-1]) + 1)] else 43)
