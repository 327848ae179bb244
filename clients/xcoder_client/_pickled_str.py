"""Read the one string out of a pickle WITHOUT unpickling it.

LiveCodeBench ships `private_test_cases` as base64(zlib(pickle(json_str))). Unpickling
untrusted data runs arbitrary code, so we never call `pickle.loads`. Instead the opcode stream
is disassembled with `pickletools.genops` (a parser that executes nothing) and accepted only
if it is exactly "push one string, stop", give or take protocol, framing and memo opcodes.
Anything else (a class, a reduce, a second object) is rejected.
"""

from __future__ import annotations

import pickletools

_STRING_OPS = frozenset({"SHORT_BINUNICODE", "BINUNICODE", "BINUNICODE8", "UNICODE"})
_HARMLESS_OPS = frozenset({"PROTO", "FRAME", "MEMOIZE", "PUT", "BINPUT", "LONG_BINPUT", "STOP"})


class UnsafePickleError(ValueError):
    """The pickle holds something other than a single string; it was not loaded."""


def pickled_string(data: bytes) -> str:
    """The string a pickle of a single `str` holds; UnsafePickleError for anything else."""
    found: list[str] = []
    try:
        for opcode, arg, _pos in pickletools.genops(data):
            if opcode.name in _STRING_OPS:
                found.append(arg)
            elif opcode.name not in _HARMLESS_OPS:
                raise UnsafePickleError(
                    f"pickle opcode {opcode.name} is not allowed (only a single string is)"
                )
    except UnsafePickleError:
        raise
    except Exception as exc:  # pickletools raises ValueError and friends on a malformed stream
        raise UnsafePickleError(f"malformed pickle: {exc}") from exc
    if len(found) != 1 or not isinstance(found[0], str):
        raise UnsafePickleError(f"expected one pickled string, found {len(found)} objects")
    return found[0]
