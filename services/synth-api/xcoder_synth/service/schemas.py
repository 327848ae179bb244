"""Request and response models of the synth-api."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from xcoder_synth.pipeline.runner import StageStatus


class RunCreate(BaseModel):
    config: dict[str, Any] = Field(
        description="A run config (docs/synth.md); relative paths are under the data dir."
    )
    stages: list[str] | None = Field(
        None, description="Run only these stages (default: all, from `start` to `stop`)."
    )
    start: str | None = None
    stop: str | None = None


class RunResume(BaseModel):
    stages: list[str] | None = None
    start: str | None = None
    stop: str | None = None


class JobInfo(BaseModel):
    id: str
    status: str
    error: str | None = None
    result: Any = None


class RunInfo(BaseModel):
    id: str
    name: str
    created_at: str
    state: str = Field(description="queued | running | complete | failed")
    stages: list[StageStatus]
    jobs: dict[str, int] = Field(
        default_factory=dict, description="Shard jobs of the last dispatch, by status."
    )
    error: str | None = None


class Artifact(BaseModel):
    path: str
    bytes: int


class QueueStatus(BaseModel):
    queue: str
    queued: int
    workers: list[str]
