"""Client mistakes become 4xx naming the field; an unreachable Redis becomes a quick 503.

Field errors use FastAPI's own 422 shape (`{"detail": [{"loc", "msg", "type"}]}`) so clients
parse one format for 400, 409, 413 and 422 alike.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import redis.exceptions
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from xcoder_judge.service.queue.enqueue import IdConflict, QueueFull

log = logging.getLogger("xcoder_judge.api")

QUEUE_FULL_RETRY_AFTER_S = 2
REDIS_DOWN_RETRY_AFTER_S = 1


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


def install(app: FastAPI) -> None:
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

    for exc_type in (
        redis.exceptions.ConnectionError,  # includes BusyLoadingError (loading its AOF after a restart)
        redis.exceptions.TimeoutError,
        redis.exceptions.OutOfMemoryError,
        redis.exceptions.ReadOnlyError,
    ):
        app.add_exception_handler(exc_type, _redis_down)
