"""Service settings: every knob is an environment variable prefixed XCODER_SYNTH_ (docs/synth.md).

Run configs (what to synthesise) are files, see :mod:`xcoder_synth.pipeline.config`; these
settings only say where the service's shared state lives and how to reach its neighbours.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_PREFIX = "XCODER_SYNTH_"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_ignore_empty=True, extra="ignore")

    redis_url: str = "redis://127.0.0.1:6379/0"
    data_dir: Path = Path("./synth-data")
    host: str = "127.0.0.1"
    port: int = Field(8100, ge=1, le=65535)
    api_keys: str | None = Field(None, description="Comma-separated API keys; unset = open.")
    queue: str = "xcoder-synth"
    judge_url: str = "http://127.0.0.1:8000"
    judge_api_key: str | None = None
    llm_api_key: str | None = None
    job_timeout_s: int = Field(86400, ge=10)
    log_level: str = "INFO"

    @field_validator("log_level")
    @classmethod
    def _upper(cls, v: str) -> str:
        return v.upper()

    @property
    def api_key_set(self) -> frozenset[str]:
        if not self.api_keys:
            return frozenset()
        return frozenset(k.strip() for k in self.api_keys.split(",") if k.strip())

    @property
    def runs_dir(self) -> Path:
        return self.data_dir / "runs"

    @property
    def cache_dir(self) -> Path:
        return self.data_dir / "cache"


@functools.lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings; tests call ``get_settings.cache_clear()`` after changing the env."""
    return Settings()


def secret_from_env(name: str) -> str | None:
    """A key that a run config names by its variable (``api_key_env``): configs are files that
    travel between machines, so keys stay in the environment. The one place that reads them."""
    return os.environ.get(name) or None
