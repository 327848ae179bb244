"""A call test's returned value, as the judge compares it: worker side, from the harness's reply.

The harness (sandbox/pyrunner.py) encodes the function's value as tagged JSON (pyvalues); here
it is decoded without eval or pickle and brought to the form `json.loads(json.dumps(value))`
gives, which is what a call test's `expected` holds.
"""

from __future__ import annotations

import json

from xcoder_judge.engine.sandbox import pyvalues


def call_value(raw: bytes) -> tuple[object, str]:
    """A call test's value as JSON would hold it, or why there is none (the program's fault)."""
    if not raw:
        return None, "the program exited before the function returned"
    try:
        doc = pyvalues.loads(raw)
        if not isinstance(doc, dict):
            raise pyvalues.Malformed("not a result")
        if "error" in doc:
            return None, f"the function returned a non-value object: {str(doc['error'])[:300]}"
        value = pyvalues.from_tree(doc["value"])
    except (pyvalues.Malformed, KeyError) as e:
        return None, f"the program's result could not be read: {e}"
    try:
        return as_json(value), ""
    except ValueError as e:
        return None, f"the function returned {e}, which has no JSON form to compare with"


def as_json(value: object) -> object:
    """A plain value as `json.loads(json.dumps(value))` gives it: what call tests compare."""
    if isinstance(value, (list, tuple)):
        return [as_json(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return [as_json(v) for v in sorted(value, key=repr)]
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if isinstance(k, str):
                out[k] = as_json(v)
            elif k is None or isinstance(k, (bool, int, float)):
                out[json.dumps(k)] = as_json(v)
            else:
                raise ValueError(f"a dict with a {type(k).__name__} key")
        return out
    if isinstance(value, (bytes, bytearray)):
        raise ValueError("bytes")
    return value
