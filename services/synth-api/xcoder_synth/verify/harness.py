"""Turn a function-call candidate into a stdin/stdout program for labelling (it runs in the judge).

The harness reads the JSON argument list from stdin, calls ``Solution().<name>`` (or a global
``<name>``, the judge's lookup order for call tests) and prints the result as canonical JSON, so
outputs of different candidates compare byte for byte.
"""

from __future__ import annotations

_HARNESS = """

# ---- xcoder-synth call harness ----
def __xcoder_synth_call(name):
    import json as _json
    import sys as _sys
    args = _json.loads(_sys.stdin.read())
    cls = globals().get("Solution")
    fn = getattr(cls(), name, None) if isinstance(cls, type) else None
    if fn is None:
        fn = globals()[name]
    result = fn(*args)
    _sys.stdout.write(_json.dumps(result, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\\n")


__xcoder_synth_call({name!r})
"""


def with_call_harness(code: str, fn_name: str) -> str:
    if not fn_name.isidentifier():
        raise ValueError(f"not an identifier: {fn_name!r}")
    return code.rstrip() + "\n" + _HARNESS.format(name=fn_name)
