"""Dependencies, declared once as `Annotated` aliases so handlers just name what they need.

They are `async def` on purpose: FastAPI runs plain `def` dependencies in a thread pool, which
costs more than the work they do.
"""

from __future__ import annotations

from typing import Annotated

import redis.asyncio as aioredis
from fastapi import Depends, Request

from xcoder_judge.config import Settings
from xcoder_judge.service.api.auth import principal_of
from xcoder_judge.service.api.judging import Judging, Services


async def get_app_settings(request: Request) -> Settings:
    """The settings the app was created with (by default the cached `get_settings()`)."""
    return request.app.state.settings


async def get_services(request: Request) -> Services:
    return request.app.state.services


async def get_redis(services: Annotated[Services, Depends(get_services)]) -> aioredis.Redis:
    return services.redis


async def get_judging(request: Request, services: Annotated[Services, Depends(get_services)]) -> Judging:
    """Judging as the request's tenant: its ids, its results, its turn on the slots."""
    return Judging(services, tenant=principal_of(request).tenant)


SettingsDep = Annotated[Settings, Depends(get_app_settings)]
ServicesDep = Annotated[Services, Depends(get_services)]
RedisDep = Annotated[aioredis.Redis, Depends(get_redis)]
JudgingDep = Annotated[Judging, Depends(get_judging)]
