"""Client settings: environment variables with the prefix `XCODER_CLIENT_`.

One place reads the environment so that a trainer's config and a shell export mean the same
thing. Explicit constructor arguments always win over the environment. pydantic-settings is
deliberately not used: the core must stay at httpx + pydantic.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import lru_cache
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from xcoder_client.errors import JudgeConfigError

ENV_PREFIX = "XCODER_CLIENT_"

DEFAULT_TIMEOUT_S = 3600.0
"""Deadline of one `judge()` call, retries and polling included."""
DEFAULT_CONNECT_TIMEOUT_S = 10.0
DEFAULT_MAX_CONCURRENCY = 8
"""Batch requests in flight at once per client."""
DEFAULT_CHUNK_SIZE = 256
"""Submissions per /v1/submissions/batch request."""
DEFAULT_MAX_REQUEST_BYTES = 32 << 20
"""Request bodies stay under this (the judge's default limit is 64 MiB)."""
DEFAULT_MAX_RETRIES = 4
"""Retries per HTTP exchange (429, 5xx, network) and per submission that came back SE."""
DEFAULT_BACKOFF_S = 0.5
DEFAULT_MAX_BACKOFF_S = 30.0
DEFAULT_WAIT_S = 60.0
"""Server-side long-poll per request (`?wait=`); the read timeout adds a margin to it."""


class ClientSettings(BaseModel):
    """Every knob of the judge clients; field `x` is read from `XCODER_CLIENT_X`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    judge_url: str | None = Field(None, description="Base URL of the judge, e.g. http://judge:8000")
    api_key: str | None = None
    timeout_s: float = Field(DEFAULT_TIMEOUT_S, gt=0)
    connect_timeout_s: float = Field(DEFAULT_CONNECT_TIMEOUT_S, gt=0)
    max_concurrency: int = Field(DEFAULT_MAX_CONCURRENCY, ge=1)
    chunk_size: int = Field(DEFAULT_CHUNK_SIZE, ge=1, le=4096)
    max_request_bytes: int = Field(DEFAULT_MAX_REQUEST_BYTES, ge=1 << 16)
    max_retries: int = Field(DEFAULT_MAX_RETRIES, ge=0)
    backoff_s: float = Field(DEFAULT_BACKOFF_S, ge=0)
    max_backoff_s: float = Field(DEFAULT_MAX_BACKOFF_S, ge=0)
    wait_s: float = Field(DEFAULT_WAIT_S, gt=0, le=3600)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> ClientSettings:
        return read_env(cls, environ)


M = TypeVar("M", bound=BaseModel)


def read_env(model: type[M], environ: Mapping[str, str] | None = None) -> M:
    """Build `model` from `XCODER_CLIENT_<FIELD>` variables (empty ones count as unset)."""
    environ = os.environ if environ is None else environ
    values = {}
    for name in model.model_fields:
        raw = environ.get(ENV_PREFIX + name.upper())
        if raw is not None and raw != "":
            values[name] = raw
    try:
        return model(**values)
    except ValidationError as exc:
        raise JudgeConfigError(f"invalid {ENV_PREFIX}* environment: {exc}") from exc


@lru_cache(maxsize=1)
def get_settings() -> ClientSettings:
    """Settings from the process environment, read once (call `get_settings.cache_clear()` to reread)."""
    return ClientSettings.from_env()
