import contextlib
import sys

k = input().strip()
if k == "a":
    try:
        sys.exit(2)
    finally:
        print("finally ran")
elif k == "b":
    try:
        sys.exit(2)
    finally:
        sys.exit(5)
elif k == "c":
    try:
        raise ValueError("hidden")
    finally:
        sys.exit(0)
elif k == "d":
    with contextlib.ExitStack() as stack:
        stack.callback(print, "exit stack unwound")
        sys.exit(3)
