"""Dependencies, declared once as `Annotated` aliases so handlers just name what they need."""

from __future__ import annotations

from typing import Annotated

import redis.asyncio as aioredis
from fastapi import Depends, Request

from xcoder_judge.config import Settings, get_settings
from xcoder_judge.service.api.judging import Judging, Services


def get_services(request: Request) -> Services:
    return request.app.state.services


def get_redis(services: Annotated[Services, Depends(get_services)]) -> aioredis.Redis:
    return services.redis


def get_judging(services: Annotated[Services, Depends(get_services)]) -> Judging:
    return Judging(services)


SettingsDep = Annotated[Settings, Depends(get_settings)]
ServicesDep = Annotated[Services, Depends(get_services)]
RedisDep = Annotated[aioredis.Redis, Depends(get_redis)]
JudgingDep = Annotated[Judging, Depends(get_judging)]
