import sys


def inner(x):
    return 1 / x


def outer(x):
    try:
        return inner(x)
    except ZeroDivisionError as e:
        raise ValueError("wrapped: ünïcode ✓") from e


kind = input().strip()
print("started", flush=True)
if kind == "chain":
    outer(0)
elif kind == "context":
    try:
        inner(0)
    except ZeroDivisionError:
        {}["missing"]
elif kind == "group":
    e = ExceptionGroup("many", [KeyError("k"), TypeError("t")])
    e.add_note("a note")
    raise e
elif kind == "syntax":
    exec("1 +")
elif kind == "hook":
    sys.excepthook = lambda t, v, tb: print("hooked", t.__name__, file=sys.stderr)
    raise RuntimeError("through the hook")
