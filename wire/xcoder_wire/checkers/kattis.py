"""The Kattis/DOMjudge default output validator, reproduced so verdicts agree with theirs.

Reference: problemtools' support/default_validator/default_validator.cc (the validator
DOMjudge ships too). What it does, and so what this does:
- tokens are runs of non-whitespace (C's isspace: space, \\t, \\n, \\v, \\f, \\r);
- strings compare case-insensitively (ASCII only) unless `case_sensitive`;
- `space_change_sensitive`: every whitespace run, leading and trailing ones included, must be
  byte-identical to the answer's;
- with a tolerance set, an answer token that parses as a finite C double (strtod's syntax,
  hex floats included; not NaN, not inf) needs a finite double within the absolute OR the
  relative tolerance (relative to the answer); any other answer token compares as a string,
  so `NaN` matches `nan` unless case-sensitive. Without a tolerance, numbers are strings too.
"""

from __future__ import annotations

import math
import re

from xcoder_wire.checkers.outcome import ACCEPTED, CheckOutcome, show
from xcoder_wire.schemas import KattisChecker, Verdict

_PIECES = re.compile(rb"([ \t\n\v\f\r]*)([^ \t\n\v\f\r]+)")
_DECIMAL = re.compile(rb"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_HEX = re.compile(rb"[+-]?0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)(?:[pP][+-]?\d+)?")

FLAGS = ("case_sensitive", "space_change_sensitive")
VALUE_FLAGS = ("float_tolerance", "float_absolute_tolerance", "float_relative_tolerance")


def finite_float(token: bytes) -> float | None:
    """The token's value if sscanf("%lf") reads all of it as a finite double, else None."""
    try:
        if _DECIMAL.fullmatch(token):
            value = float(token)
        elif _HEX.fullmatch(token):
            text = token.decode()
            value = float.fromhex(text if "p" in text.lower() else text + "p0")
        else:
            return None
    except (OverflowError, ValueError):
        return None  # strtod overflows to inf, which the reference does not count as a float
    return value if math.isfinite(value) else None


def from_flags(flags: list[str] | str) -> KattisChecker:
    """The checker for problem.yaml's `validator_flags` (a list, or one space-separated string).

    Unknown flags and missing or non-numeric values are refused (ValueError), as the reference
    validator refuses them (a judge error there).
    """
    words = flags.split() if isinstance(flags, str) else [str(w) for w in flags]
    fields: dict[str, object] = {}
    i = 0
    while i < len(words):
        word = words[i]
        if word in FLAGS:
            fields[word] = True
        elif word in VALUE_FLAGS:
            value = finite_float(words[i + 1].encode()) if i + 1 < len(words) else None
            if value is None or value < 0:
                raise ValueError(f"validator_flags: {word} needs a non-negative number")
            if word == "float_tolerance":  # as the reference: sets both, later flags override
                fields["float_absolute_tolerance"] = fields["float_relative_tolerance"] = value
            else:
                fields[word] = value
            i += 1
        else:
            raise ValueError(f"validator_flags: unknown flag {word!r} for the default validator")
        i += 1
    return KattisChecker.model_validate(fields)


def _split(data: bytes) -> tuple[list[tuple[bytes, bytes]], bytes]:
    """(whitespace before, token) pairs and the trailing whitespace."""
    pieces = _PIECES.findall(data)
    used = sum(len(ws) + len(tok) for ws, tok in pieces)
    return pieces, data[used:]


def check(checker: KattisChecker, output: bytes, expected: bytes) -> CheckOutcome:
    abs_tol, rel_tol = checker.abs_tol, checker.rel_tol
    use_floats = abs_tol is not None or rel_tol is not None
    got, got_tail = _split(output)
    want, want_tail = _split(expected)
    spaces = checker.space_change_sensitive
    for i, (wws, wtok) in enumerate(want):
        if i >= len(got):
            if spaces and output[len(b"".join(a + b for a, b in got)) :] != wws:
                return _wa(i, "space change error: the whitespace differs")
            state = "empty" if not output else "only whitespace" if not got else None
            more = f"; the output was {state}" if state else ""
            return _wa(i, f"output ended while the answer had more{more} (next answer token {show(wtok)})")
        gws, gtok = got[i]
        if spaces and gws != wws:
            return _wa(i, f"space change error: expected {show(wws)}, got {show(gws)}")
        wval = finite_float(wtok) if use_floats else None
        if wval is not None:
            gval = finite_float(gtok)
            if gval is None:
                return _wa(i, f"expected a float, got {show(gtok)}")
            diff = abs(wval - gval)
            if not (abs_tol is not None and diff <= abs_tol) and not (
                rel_tol is not None and diff <= rel_tol * abs(wval)
            ):
                return _wa(
                    i, f"too large a difference: answer {show(wtok)}, got {show(gtok)} (error {diff:g})"
                )
        elif (gtok != wtok) if checker.case_sensitive else (gtok.lower() != wtok.lower()):
            return _wa(i, f"expected {show(wtok)}, got {show(gtok)}")
    if len(got) > len(want):
        if spaces and got[len(want)][0] != want_tail:
            return _wa(len(want), "space change error: the whitespace differs")
        return _wa(len(want), f"trailing output: {show(got[len(want)][1])}")
    if spaces and got_tail != want_tail:
        return _wa(
            len(want), f"space change error at the end: expected {show(want_tail)}, got {show(got_tail)}"
        )
    return ACCEPTED


def _wa(token: int, what: str) -> CheckOutcome:
    return CheckOutcome(Verdict.WA, f"token {token + 1}: {what}")
