"""Checker for "print two non-negative integers whose sum is n" (own code, testlib exit codes).

Called as: checker <input> <output> <answer>; exit 0 AC, 1 WA, 2 PE, anything else = failure.
"""

import os
import sys


def main() -> int:
    if len(sys.argv) != 4:
        return 3
    n_str, mode = open(sys.argv[1]).read().split()
    n = int(n_str)
    if open(sys.argv[3]).read().split() != [n_str]:
        return 3  # output and answer swapped, or a wrong answer file
    if mode == "checker-fail":
        return 3
    if mode == "checker-crash":
        os.abort()
    tokens = open(sys.argv[2]).read().split()
    if len(tokens) != 2 or not all(t.lstrip("-").isdigit() for t in tokens):
        print("expected two integers", file=sys.stderr)
        return 2
    a, b = map(int, tokens)
    if a < 0 or b < 0 or a + b != n:
        print(f"{a} + {b} != {n}", file=sys.stderr)
        return 1
    return 0


sys.exit(main())
