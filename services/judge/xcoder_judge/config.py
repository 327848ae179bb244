"""Settings: every knob is an environment variable prefixed XCODER_JUDGE_ (docs/judge-config.md)."""

from __future__ import annotations

import functools
import os
import tempfile
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_PREFIX = "XCODER_JUDGE_"


def _default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "xcoder-judge"


def _default_work_dir() -> Path:
    if os.geteuid() == 0:
        return Path("/run/xcoder-judge")
    return Path(tempfile.gettempdir()) / f"xcoder-judge-{os.geteuid()}"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_ignore_empty=True, extra="ignore")

    # --- service
    redis_url: str | None = None
    api_keys: str | None = Field(None, description="Comma-separated API keys; unset = open.")
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    max_queue: int = Field(20000, ge=1)
    max_body_mb: float = Field(64, gt=0)
    result_ttl_s: int = Field(3600, ge=10)
    job_retries: int = Field(2, ge=0, le=10)
    log_level: str = "INFO"
    api_workers: int = Field(1, ge=1, le=256, description="HTTP processes of `xcoder-judge api`.")
    redis_pool_size: int = Field(512, ge=4, le=100000, description="Redis connections per API process.")
    access_log: bool = Field(False, description="Log every HTTP request (costs throughput).")
    lease_s: float = Field(
        10.0, ge=1, le=600, description="A running job whose worker stops renewing it this long is re-run."
    )
    job_threads: int | None = Field(
        None, ge=1, le=4096, description="Submissions a worker judges at once; default 2 × slots."
    )
    worker_name: str | None = Field(None, max_length=100, pattern=r"^[A-Za-z0-9_.-]+$")
    compat_time_s: float = Field(10.0, gt=0, le=60, description="code-judge compat: time limit per run.")
    compat_memory_mb: int = Field(1024, ge=16, le=16384, description="code-judge compat: memory limit.")
    compat_wait_s: float = Field(
        3600.0, gt=0, le=3600, description="How long compat calls wait for verdicts."
    )

    # --- engine
    slots: int = Field(default_factory=lambda: os.cpu_count() or 1, ge=1, le=512)
    cache_dir: Path = Field(default_factory=_default_cache_dir)
    work_dir: Path = Field(default_factory=_default_work_dir)
    sandbox_uid: int = Field(60000, ge=1000, le=2**31 - 1024)
    cgroup: Literal["auto", "v2", "v1", "none"] = "auto"
    python: str | None = Field(None, description="Interpreter for python3 submissions.")
    languages: str | None = Field(None, description="Comma-separated allow-list of language ids.")
    python_warm: bool = Field(True, description="Run python3 from a warm pre-forked interpreter.")
    pch: bool = Field(True, description="Use a precompiled <bits/stdc++.h> for C++.")
    self_test: bool = Field(True, description="Drop languages whose echo self-test fails at start-up.")
    compile_cache_mb: int = Field(4096, ge=64, description="Size of the on-disk compile cache.")

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
    def effective_job_threads(self) -> int:
        return self.job_threads if self.job_threads is not None else max(2, 2 * self.slots)

    @property
    def language_allow_list(self) -> frozenset[str] | None:
        if not self.languages:
            return None
        return frozenset(x.strip() for x in self.languages.split(",") if x.strip())


@functools.lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings; tests call get_settings.cache_clear() after changing the env."""
    return Settings()
