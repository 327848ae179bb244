"""Optional API keys: `Authorization: Bearer K`, `X-API-Key: K`, `?api_key=K`, or HTTP Basic
with the key as password (or user name).

The last two are for clients that can only be given a URL: verl's SandboxFusion caller posts to
the URL as given (`…/run_code?api_key=K` works), while code-judge clients such as X-Coder's
judge_client.py append paths to a base URL, so only `http://:K@host:8000` survives there
(requests and httpx turn URL credentials into a Basic header).
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, HTTPException, Query, Request, status
from fastapi.security import (
    APIKeyHeader,
    HTTPAuthorizationCredentials,
    HTTPBasic,
    HTTPBasicCredentials,
    HTTPBearer,
)

from xcoder_judge.config import Settings

_bearer = HTTPBearer(auto_error=False, description="An API key from XCODER_JUDGE_API_KEYS.")
_header = APIKeyHeader(
    name="X-API-Key", auto_error=False, description="An API key from XCODER_JUDGE_API_KEYS."
)
_basic = HTTPBasic(
    auto_error=False,
    description="The key as password (or user name): what `http://:KEY@host` URLs send.",
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
    basic: Annotated[HTTPBasicCredentials | None, Depends(_basic)],
    api_key: Annotated[str | None, Query(include_in_schema=False)] = None,
) -> None:
    keys = settings.api_key_set
    if not keys:
        return
    from_basic = (basic.password or basic.username) if basic else None
    for candidate in (bearer.credentials if bearer else None, header_key, from_basic, api_key):
        if candidate and _matches(candidate, keys):
            return
    raise HTTPException(
        status_code=status.HTTP_401_UNAUTHORIZED,
        detail="missing or wrong API key (send `Authorization: Bearer <key>` or `X-API-Key: <key>`, "
        "or put it in the URL: `?api_key=<key>` or `http://:<key>@host`; see docs/judge-api.md)",
        headers={"WWW-Authenticate": "Bearer"},
    )
