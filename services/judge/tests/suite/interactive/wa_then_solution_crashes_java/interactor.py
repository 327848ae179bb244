"""Guess-the-number interactor (own code). Run as: interactor <input> <answer>.

Input file: "secret max_queries". The solution asks "? x" and hears "<" (secret < x),
">" (secret > x) or "="; it answers "! x". More than max_queries questions: we say -1.
Exit 0 AC, 1 WA, 2 PE; anything else is the interactor's own failure.
Special inputs test the judge: secret 0 fails on purpose, secret -1 hangs.
"""

import sys
import time


def main() -> int:
    secret, max_queries = map(int, open(sys.argv[1]).read().split())
    if open(sys.argv[2]).read().split() != [str(secret)]:
        return 3
    if secret == 0:
        return 3
    if secret == -1:
        while True:
            time.sleep(3600)
    queries = 0
    while True:
        line = sys.stdin.readline()
        if not line:
            return 1  # the solution stopped before answering
        parts = line.split()
        if len(parts) != 2 or parts[0] not in ("?", "!") or not parts[1].isdigit():
            return 2
        x = int(parts[1])
        if parts[0] == "!":
            if x != secret:
                return 1
            return 2 if sys.stdin.read().strip() else 0
        queries += 1
        if queries > max_queries:
            print(-1, flush=True)
            return 1
        print("<" if secret < x else ">" if secret > x else "=", flush=True)


sys.exit(main())
