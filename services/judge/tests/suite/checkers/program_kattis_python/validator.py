"""A Kattis-protocol output validator (own code): validator input answer feedback_dir [flags] < output.

Accepts when the output's number equals the answer's times the factor given as a flag.
Exit 42 accepts, 43 rejects; "crash" in the input makes it fail on purpose (exit 1).
"""

import os
import sys

inp, ans, feedback = sys.argv[1], sys.argv[2], sys.argv[3]
factor = int(sys.argv[sys.argv.index("times") + 1]) if "times" in sys.argv else 1
if "crash" in open(inp).read():
    sys.exit(1)
# The feedback directory is ours alone: mode 0700 and owned by the validator's uid.
st = os.stat(feedback)
assert st.st_mode & 0o077 == 0, oct(st.st_mode)
want = int(open(ans).read()) * factor
got = sys.stdin.read().split()
with open(os.path.join(feedback, "judgemessage.txt"), "w") as f:
    if got == [str(want)]:
        f.write("right: %d\n" % want)
        sys.exit(42)
    f.write("expected %d, got %r\n" % (want, " ".join(got)[:50]))
sys.exit(43)
