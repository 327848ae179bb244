import sys

# Never flushes: stdout to a pipe is block-buffered, so the interactor never sees the question
# and both sides wait. The judge must end this as TLE, not hang.
lo, hi = 1, 10**9
while lo < hi:
    mid = (lo + hi) // 2
    sys.stdout.write(f"? {mid}\n")
    reply = sys.stdin.readline().strip()
    if reply == "=":
        lo = hi = mid
    elif reply == "<":
        hi = mid - 1
    else:
        lo = mid + 1
sys.stdout.write(f"! {lo}\n")
