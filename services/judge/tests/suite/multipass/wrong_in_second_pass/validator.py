"""A Kattis-protocol multi-pass validator (own code).

Pass 1: the input is "x"; the solution must print 2x. The validator then writes nextpass.in
("again 2x") and remembers the pass in its feedback directory (state.txt). Pass 2: the
solution must print 4x. An input "endless" never gives a verdict: it always asks for another
pass.
"""

import os
import sys

inp, ans, feedback = sys.argv[1], sys.argv[2], sys.argv[3]
state_path = os.path.join(feedback, "state.txt")
done = int(open(state_path).read()) if os.path.exists(state_path) else 0
words = open(inp).read().split()
got = sys.stdin.read().split()


def reject(why):
    with open(os.path.join(feedback, "judgemessage.txt"), "w") as f:
        f.write(why + "\n")
    sys.exit(43)


if words == ["endless"] or words[:1] == ["endless"]:
    with open(os.path.join(feedback, "nextpass.in"), "w") as f:
        f.write("endless\n")
    sys.exit(42)
if done == 0:
    x = int(words[0])
    if got != [str(2 * x)]:
        reject("pass 1: expected %d" % (2 * x))
    with open(os.path.join(feedback, "nextpass.in"), "w") as f:
        f.write("again %d\n" % (2 * x))
    with open(state_path, "w") as f:
        f.write("1")
    sys.exit(42)
y = int(words[1])
if got != [str(2 * y)]:
    reject("pass 2: expected %d" % (2 * y))
sys.exit(42)
