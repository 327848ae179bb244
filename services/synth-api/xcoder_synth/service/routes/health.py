"""Liveness and readiness."""

from __future__ import annotations

import os

import redis
from fastapi import APIRouter, Response, status

from xcoder_synth.service.deps import RedisDep, SettingsDep

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
def readyz(response: Response, conn: RedisDep, settings: SettingsDep) -> dict[str, str]:
    problems: dict[str, str] = {}
    try:
        conn.ping()
    except redis.RedisError as exc:
        problems["redis"] = str(exc)
    data = settings.data_dir
    try:
        data.mkdir(parents=True, exist_ok=True)
        if not os.access(data, os.W_OK):
            problems["data_dir"] = f"{data} is not writable"
    except OSError as exc:
        problems["data_dir"] = str(exc)
    if problems:
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
        return {"status": "not ready", **problems}
    return {"status": "ready"}
