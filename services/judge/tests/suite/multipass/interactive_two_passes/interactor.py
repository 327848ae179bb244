"""An interactive multi-pass validator (Kattis protocol, own code).

Pass 1: it tells the solution "x", the solution must answer x + 1; it then writes nextpass.in
("2 <x+1>") and remembers the pass in feedback_dir/pass. Pass 2: it tells the solution "2 y"
(its input line) and the solution must answer "2 <y+1>".
"""

import os
import sys

inp, ans, feedback = sys.argv[1], sys.argv[2], sys.argv[3]
done = os.path.exists(os.path.join(feedback, "pass"))
words = open(inp).read().split()
x = int(words[-1])
print(" ".join(words), flush=True)
reply = sys.stdin.readline().split()
want = [str(x + 1)] if not done else ["2", str(x + 1)]
if reply != want:
    with open(os.path.join(feedback, "judgemessage.txt"), "w") as f:
        f.write("pass %d: expected %s, got %s\n" % (2 if done else 1, want, reply))
    sys.exit(43)
if not done:
    with open(os.path.join(feedback, "nextpass.in"), "w") as f:
        f.write("2 %d\n" % (x + 1))
    with open(os.path.join(feedback, "pass"), "w") as f:
        f.write("1")
sys.exit(42)
