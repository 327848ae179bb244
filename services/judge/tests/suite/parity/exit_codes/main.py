import sys

how = input().strip()
print("before", how, flush=True)
if how == "zero":
    sys.exit(0)
if how == "three":
    sys.exit(3)
if how == "none":
    sys.exit(None)
if how == "true":
    sys.exit(True)
if how == "string":
    sys.exit("bye from a string")
if how == "float":
    sys.exit(2.5)
if how == "negative":
    sys.exit(-1)
if how == "big":
    sys.exit(256)
if how == "builtin-exit":
    exit(4)
if how == "builtin-quit":
    quit(5)
if how == "raise":
    raise SystemExit(6)
if how == "tuple":
    raise SystemExit(7, "extra")
if how == "keyboard":
    raise KeyboardInterrupt
print("fell through")
