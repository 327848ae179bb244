"""Dependencies of the API, declared once as Annotated aliases (overridable in tests)."""

from __future__ import annotations

from typing import Annotated

import redis
from fastapi import Depends, HTTPException, Request, status

from xcoder_synth.settings import Settings, get_settings


def settings_dep() -> Settings:
    return get_settings()


SettingsDep = Annotated[Settings, Depends(settings_dep)]


def get_redis(request: Request) -> redis.Redis:
    return request.app.state.redis


RedisDep = Annotated[redis.Redis, Depends(get_redis)]


def require_key(request: Request, settings: SettingsDep) -> None:
    keys = settings.api_key_set
    if not keys:
        return
    header = request.headers.get("authorization", "")
    given = header[7:].strip() if header.lower().startswith("bearer ") else request.headers.get("x-api-key")
    if given not in keys:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "missing or wrong API key", headers={"WWW-Authenticate": "Bearer"}
        )
