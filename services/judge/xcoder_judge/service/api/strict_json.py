"""Request bodies read strictly: UTF-8 only, finite numbers only, valid Unicode text only.

Python's `json` accepts what no JSON peer can answer: `NaN`, `Infinity` and `1e400` become
floats that cannot be written back as JSON, and `"\\ud800"` becomes a string that cannot be
encoded. Left in, such values fail later (in the 422 echo, in the job encoder: a 500) or are
silently rewritten (a NaN call argument sent on as `null`). They are refused here, before any
model sees the body, with a 4xx whose `loc` names the field; the value itself is never echoed.

The common body has none of them, so the tree walk that finds the field runs only when a cheap
scan of the raw bytes says one might be there.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Coroutine, Iterator
from typing import Any

from fastapi import HTTPException, Request, Response
from fastapi.routing import APIRoute

# `\uD800`-`\uDFFF` escapes (the only way a surrogate gets into a UTF-8 body) and exponents of
# three or more digits (the only way a finite-looking literal overflows to inf). Both may match
# harmless text (an escaped backslash, `1e-100`): then the walk finds nothing and the body passes.
_MAYBE_SURROGATE = re.compile(rb"\\u[dD][89a-fA-F]")
_MAYBE_HUGE = re.compile(rb"[0-9][eE]\+?0*[0-9]{3}")
_SURROGATE = re.compile("[\ud800-\udfff]")

MAX_REPORTED = 20

Loc = tuple[str | int, ...]


class _Constants:
    """`parse_constant` hook: notes that NaN/Infinity appeared, parses them as Python does."""

    __slots__ = ("seen",)

    def __init__(self) -> None:
        self.seen = False

    def __call__(self, name: str) -> float:
        self.seen = True
        return float(name)


def unencodable(value: Any, loc: Loc = ("body",)) -> Iterator[tuple[Loc, str, str]]:
    """(loc, message, error type) for every non-finite number and unpaired surrogate in `value`."""
    if isinstance(value, float):
        if not math.isfinite(value):
            yield (
                loc,
                "must be a finite number: JSON has no NaN or Infinity, and numbers beyond ±1.8e308 "
                "overflow (send a finite number, or the value as a string)",
                "finite_number",
            )
    elif isinstance(value, str):
        if (m := _SURROGATE.search(value)) is not None:
            yield (
                loc,
                f"text contains an unpaired UTF-16 surrogate (U+{ord(m.group()):04X} at character "
                f"{m.start()}), which is not valid Unicode",
                "string_unicode",
            )
    elif isinstance(value, dict):
        for key, item in value.items():
            if _SURROGATE.search(key) is not None:
                yield (
                    (*loc, key.encode("utf-8", "backslashreplace").decode()),
                    "key contains an unpaired UTF-16 surrogate, which is not valid Unicode",
                    "string_unicode",
                )
            yield from unencodable(item, (*loc, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from unencodable(item, (*loc, i))


def parse_body(body: bytes) -> Any:
    """The JSON value of a request body, or an HTTPException (400 / 422) saying what is wrong."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as e:
        raise HTTPException(
            status_code=400,
            detail=f"the request body is not valid UTF-8 (byte 0x{body[e.start]:02x} at offset {e.start}); "
            "JSON bodies must be UTF-8",
        ) from None
    constants = _Constants()
    try:
        value = json.loads(text, parse_constant=constants)
    except json.JSONDecodeError:
        raise  # FastAPI turns it into its own 422 `json_invalid`, with the position
    except (ValueError, RecursionError) as e:  # e.g. an integer of more than 4300 digits
        raise HTTPException(status_code=400, detail=f"the request body is not usable JSON: {e}") from None
    if constants.seen or _MAYBE_HUGE.search(body) or _MAYBE_SURROGATE.search(body):
        errors = [
            {"loc": list(loc), "msg": msg, "type": kind}
            for _, (loc, msg, kind) in zip(range(MAX_REPORTED), unencodable(value), strict=False)
        ]
        if errors:
            raise HTTPException(status_code=422, detail=errors)
    return value


class StrictJSONRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = parse_body(await self.body())
        return self._json


class StrictJSONRoute(APIRoute):
    """Route class for every router that takes a JSON body (`APIRouter(route_class=...)`)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def strict_handler(request: Request) -> Response:
            return await handler(StrictJSONRequest(request.scope, request.receive))

        return strict_handler
