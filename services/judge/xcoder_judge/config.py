"""Settings: every knob is an environment variable prefixed XCODER_JUDGE_ (docs/judge-config.md).

One mechanism: `Settings` reads the whole environment. The engine's knobs are the fields of
`EngineSettings`, which it extends; the engine is handed only those (`EngineSettings.of`).
"""

from __future__ import annotations

import functools
from pathlib import Path

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from xcoder_wire.schemas import MAX_MEMORY_MB, MAX_TIME_S, MIN_MEMORY_MB

from xcoder_judge.engine.settings import EngineSettings
from xcoder_judge.service.api.keyring import KeyConfigError, KeyRing

ENV_PREFIX = "XCODER_JUDGE_"


class Settings(BaseSettings, EngineSettings):
    """Every knob of the service; the engine's fields come from `EngineSettings` (engine/settings.py)."""

    # hide_input_in_errors: a bad XCODER_JUDGE_API_KEYS must not print its keys in the error.
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_ignore_empty=True, extra="ignore", hide_input_in_errors=True
    )

    # --- service
    redis_url: str | None = None
    api_keys: str | None = Field(
        None,
        description="Comma-separated keys: TENANT:ROLES:KEY or TENANT:ROLES:sha256:HEX (roles submit, "
        "read, operator joined by +), or a bare KEY (a tenant of its own); unset = open.",
    )
    api_keys_file: Path | None = Field(
        None,
        description="A file of more API_KEYS entries, one per line or comma-separated, # comments "
        "(a mounted Kubernetes or Compose secret).",
    )
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
    chunk_tests: int = Field(
        256,
        ge=0,
        le=100000,
        description="Submissions with more tests are split into chunks of this many, which any "
        "worker may run; 0 = never split.",
    )
    chunks_in_flight: int = Field(
        2, ge=1, le=1024, description="Chunks of one submission queued or running at once."
    )
    compat_time_s: float = Field(
        10.0, gt=0, le=MAX_TIME_S, description="code-judge compat: time limit per run."
    )
    compat_memory_mb: int = Field(
        1024, ge=MIN_MEMORY_MB, le=MAX_MEMORY_MB, description="code-judge compat: memory limit."
    )
    compat_wait_s: float = Field(
        3600.0, gt=0, le=3600, description="How long compat calls wait for verdicts."
    )
    coalesce_window_ms: float = Field(
        2.0,
        ge=0,
        le=1000,
        description="Concurrent one-test compat requests (/run_code, /judge, /run) for the same "
        "program from the same caller within this window become one job; 0 = off.",
    )
    coalesce_hold_ms: float = Field(
        250.0,
        ge=0,
        le=60_000,
        description="A coalescing group whose program already has a job running stays open until "
        "that job is answered, at most this long (verl's semaphore lets a rollout's tests through "
        "a few at a time); 0 = never held.",
    )
    coalesce_hold_after_jobs: int = Field(
        2,
        ge=1,
        le=64,
        description="Hold a group (coalesce_hold_ms) only while this many jobs of its program "
        "are queued or running; 2 keeps the next job queued while one runs.",
    )
    coalesce_max_tests: int = Field(
        64, ge=1, le=4096, description="Most tests one coalesced job gathers (a full one starts at once)."
    )
    compat_open: bool = Field(
        False,
        description="Serve the SandboxFusion and code-judge routes without an API key (a trusted "
        "network); the native API keeps its keys.",
    )
    metrics_require_key: bool = Field(
        False, description="Serve /metrics only to keys with the operator role (when keys are set)."
    )
    compat_fast_path: bool = Field(
        True,
        description="Serve POST /run_code, /judge and /run below FastAPI's per-request machinery "
        "(same answers, about half the API CPU); false leaves every request to FastAPI.",
    )

    @field_validator("log_level")
    @classmethod
    def _upper(cls, v: str) -> str:
        return v.upper()

    @model_validator(mode="after")
    def _key_ring(self) -> Settings:
        self._key_text()  # fail at start-up, naming the entry (never its key)
        return self

    def _key_text(self) -> str:
        """`api_keys` and the entries of `api_keys_file`, parsed (KeyConfigError if malformed)."""
        parts = [self.api_keys or ""]
        if self.api_keys_file is not None:
            try:
                text = self.api_keys_file.read_text()
            except OSError as exc:
                raise KeyConfigError(f"XCODER_JUDGE_API_KEYS_FILE: cannot read it ({exc.strerror})") from None
            parts += [line.split("#", 1)[0] for line in text.splitlines()]
        joined = ",".join(p for p in parts if p.strip())
        KeyRing.parse(joined)
        return joined

    @functools.cached_property
    def key_ring(self) -> KeyRing:
        """The tenants, roles and key digests of `api_keys` and `api_keys_file` (empty: open)."""
        return KeyRing.parse(self._key_text())

    @property
    def effective_job_threads(self) -> int:
        return self.job_threads if self.job_threads is not None else max(2, 2 * self.slots)


@functools.lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings; tests call get_settings.cache_clear() after changing the env."""
    return Settings()
