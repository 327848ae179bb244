"""Optional API keys: `Authorization: Bearer K`, `X-API-Key: K`, or `?api_key=K` for clients
(such as verl's SandboxFusion caller) that can only be given a URL."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, HTTPException, Query, Request, status
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from xcoder_judge.config import Settings

_bearer = HTTPBearer(auto_error=False, description="An API key from XCODER_JUDGE_API_KEYS.")
_header = APIKeyHeader(
    name="X-API-Key", auto_error=False, description="An API key from XCODER_JUDGE_API_KEYS."
)


async def _settings(request: Request) -> Settings:
    return request.app.state.settings


def _matches(candidate: str, keys: frozenset[str]) -> bool:
    # Compare with every key in constant time, so timing does not reveal a prefix.
    found = False
    for key in keys:
        found |= hmac.compare_digest(candidate.encode(), key.encode())
    return found


async def require_api_key(
    settings: Annotated[Settings, Depends(_settings)],
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    header_key: Annotated[str | None, Depends(_header)],
    api_key: Annotated[str | None, Query(include_in_schema=False)] = None,
) -> None:
    keys = settings.api_key_set
    if not keys:
        return
    for candidate in (bearer.credentials if bearer else None, header_key, api_key):
        if candidate and _matches(candidate, keys):
            return
    raise HTTPException(
        status_code=status.HTTP_401_UNAUTHORIZED,
        detail="missing or wrong API key (send `Authorization: Bearer <key>` or `X-API-Key: <key>`)",
        headers={"WWW-Authenticate": "Bearer"},
    )
