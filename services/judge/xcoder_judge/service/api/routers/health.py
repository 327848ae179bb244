"""Liveness and readiness, for load balancers and orchestrators (no API key needed)."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from redis import exceptions as redis_errors

from xcoder_judge.service.api.auth import access
from xcoder_judge.service.api.deps import RedisDep
from xcoder_judge.service.queue.presence import read_live

router = APIRouter(tags=["health"], dependencies=[Depends(access(frozenset()))])


@router.get("/healthz", summary="200 while the process lives")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/readyz",
    summary="200 when Redis answers and at least one worker is alive",
    responses={503: {"description": "Redis unreachable or answering with errors, or no live worker."}},
)
async def readyz(redis: RedisDep) -> JSONResponse:
    try:
        await redis.ping()
        workers = [w for w in await read_live(redis) if not w.draining]
    except redis_errors.RedisError as exc:
        # Unreachable, or reachable but answering with an error reply (loading, MISCONF, NOPERM,
        # WRONGTYPE...): either way this judge cannot serve, which is what a probe must hear.
        return JSONResponse(
            {"status": "unavailable", "redis": False, "workers": 0, "detail": f"{type(exc).__name__}: {exc}"},
            status_code=503,
        )
    if not workers:
        return JSONResponse({"status": "no live worker", "redis": True, "workers": 0}, status_code=503)
    return JSONResponse({"status": "ready", "redis": True, "workers": len(workers)})
