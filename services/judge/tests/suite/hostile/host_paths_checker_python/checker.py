import os
import sys
import traceback


def judge(argv):
    raise RuntimeError("the checker fails on purpose: %s" % " ".join(argv))


with open("/proc/self/mountinfo") as f:  # first: the message keeps the head of the output
    ours = [line.split()[3] + " " + line.split()[4] for line in f]
ours = [m for m in ours if m.split()[1] in ("/prog", "/pch", "/aux") or m.split()[1].startswith("/.xcoder")]
sys.stderr.write("judge mounts %s\n" % "; ".join(ours))
try:
    judge(sys.argv)
except RuntimeError:
    traceback.print_exc()
    traceback.print_stack()
with open("/proc/self/cmdline", "rb") as f:
    cmdline = f.read().replace(b"\0", b" ").decode()
sys.stderr.write("argv %r file %r cwd %r cmdline %r\n" % (sys.argv, __file__, os.getcwd(), cmdline))
sys.exit(3)  # testlib's "fail": the checker itself failed
