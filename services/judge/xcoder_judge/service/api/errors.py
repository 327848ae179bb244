"""Client mistakes become 4xx naming the field; an unreachable Redis becomes a quick 503.

Field errors use FastAPI's own 422 shape (`{"detail": [{"loc", "msg", "type"}]}`) so clients
parse one format for 400, 409, 413 and 422 alike.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Any

import redis.exceptions
from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from xcoder_judge.service.queue.enqueue import IdConflict, QueueFull

log = logging.getLogger("xcoder_judge.api")

QUEUE_FULL_RETRY_AFTER_S = 2
REDIS_DOWN_RETRY_AFTER_S = 1
MAX_ECHO_BYTES = 1024  # longer offending values are named by `loc`, not echoed back


class FieldError(Exception):
    """A request that is well-formed but cannot be served as asked (400 unless told otherwise)."""

    def __init__(
        self, loc: Sequence[str | int], msg: str, *, kind: str = "value_error", status: int = 400
    ) -> None:
        super().__init__(msg)
        self.errors = [{"loc": list(loc), "msg": msg, "type": kind}]
        self.status = status


class NotFound(Exception):
    def __init__(self, ids: Sequence[str]) -> None:
        shown = ", ".join(ids[:20]) + (f" and {len(ids) - 20} more" if len(ids) > 20 else "")
        super().__init__(f"unknown or expired submission id(s): {shown}")


def _text(value: object) -> str:
    """Text that can be encoded (an unpaired surrogate is shown as its escape)."""
    return str(value).encode("utf-8", "backslashreplace").decode("utf-8")


def _echo(value: Any) -> tuple[bool, Any]:
    """The offending value as JSON, if it can be written (finite, valid Unicode) and is short."""
    try:
        encoded = jsonable_encoder(value)
        size = len(json.dumps(encoded, allow_nan=False, ensure_ascii=False).encode("utf-8"))
    except (ValueError, TypeError):
        return False, None  # NaN, Infinity, an unpaired surrogate, an object json cannot write
    return size <= MAX_ECHO_BYTES, encoded


def validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    """FastAPI's 422 items, with `input` kept only where it can be echoed (FastAPI's own handler
    echoes every input, and fails with a 500 on a NaN or an unpaired surrogate)."""
    items = []
    for error in exc.errors():
        item: dict[str, Any] = {
            "type": error.get("type", "value_error"),
            "loc": [part if isinstance(part, int) else _text(part) for part in error.get("loc", ())],
            "msg": _text(error.get("msg", "")),
        }
        ok, echoed = _echo(error.get("input"))
        if ok:
            item["input"] = echoed
        if "ctx" in error:
            plain = {k: v if isinstance(v, int | float | str) else _text(v) for k, v in error["ctx"].items()}
            ok, ctx = _echo(plain)
            if ok:
                item["ctx"] = ctx
        items.append(item)
    return items


def install(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse({"detail": validation_errors(exc)}, status_code=422)

    @app.exception_handler(FieldError)
    async def _field(_: Request, exc: FieldError) -> JSONResponse:
        return JSONResponse({"detail": exc.errors}, status_code=exc.status)

    @app.exception_handler(NotFound)
    async def _not_found(_: Request, exc: NotFound) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=404)

    @app.exception_handler(QueueFull)
    async def _full(_: Request, exc: QueueFull) -> JSONResponse:
        return JSONResponse(
            {"detail": str(exc)}, status_code=429, headers={"Retry-After": str(QUEUE_FULL_RETRY_AFTER_S)}
        )

    @app.exception_handler(IdConflict)
    async def _conflict(_: Request, exc: IdConflict) -> JSONResponse:
        detail = [
            {
                "loc": ["body", "id"],
                "msg": f"id {sid!r} is already used by a different submission",
                "type": "id_conflict",
            }
            for sid in exc.submission_ids
        ]
        return JSONResponse({"detail": detail}, status_code=409)

    async def _redis_down(_: Request, exc: Exception) -> JSONResponse:
        log.warning("Redis unavailable: %s", exc)
        return JSONResponse(
            {"detail": f"the judge's Redis is unavailable ({type(exc).__name__}); retry shortly"},
            status_code=503,
            headers={"Retry-After": str(REDIS_DOWN_RETRY_AFTER_S)},
        )

    async def _redis_refused(_: Request, exc: Exception) -> JSONResponse:
        # An error reply Redis gave (MISCONF, NOPERM, WRONGTYPE, a script error): no retry by the
        # client fixes it, so it is logged for the operator; the caller gets a clean 503.
        log.error("Redis refused a command: %s: %s", type(exc).__name__, exc)
        return JSONResponse(
            {"detail": f"the judge's Redis refused a command ({type(exc).__name__}: {exc}); see the API log"},
            status_code=503,
            headers={"Retry-After": str(REDIS_DOWN_RETRY_AFTER_S)},
        )

    app.add_exception_handler(redis.exceptions.ResponseError, _redis_refused)
    for exc_type in (
        redis.exceptions.ConnectionError,  # includes BusyLoadingError (loading its AOF after a restart)
        redis.exceptions.TimeoutError,
        redis.exceptions.OutOfMemoryError,
        redis.exceptions.ReadOnlyError,
    ):
        app.add_exception_handler(exc_type, _redis_down)
