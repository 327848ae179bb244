"""What dual verification may spend and demand: the ``verify`` section of a run config."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from xcoder_synth.judge_gateway import ExecLimits
from xcoder_synth.verify.golden import GoldenConfig
from xcoder_synth.verify.vote import VoteRules


class OracleConfig(BaseModel):
    """Where the brute-force oracle runs: small inputs only, with its own limits."""

    max_input_bytes: int = Field(
        256, ge=1, description="Inputs larger than this are not given to the oracle."
    )
    sources: list[str] = Field(
        default_factory=lambda: ["example", "prompted", "small", "random"],
        description="Input sources the oracle runs on (size permitting).",
    )
    limits: ExecLimits = Field(default_factory=lambda: ExecLimits(time_s=10, memory_mb=1024))


class TimeLimitConfig(BaseModel):
    """The exported time limit, calibrated from the golden solution's measured CPU time.

    ``factor`` × the golden's slowest kept test, within ``[min_s, max_s]`` — the usual setter's
    rule (Polygon and Codeforces practice: two to three times the model solution's time), so a
    naive solution that is several times slower fails by TLE in the exported tests.
    """

    factor: float = Field(3.0, ge=1)
    min_s: float = Field(1.0, gt=0)
    max_s: float = Field(10.0, gt=0, le=60)


def calibrated_time_limit(golden_time_s: float, cfg: TimeLimitConfig) -> float:
    return round(min(cfg.max_s, max(cfg.min_s, cfg.factor * golden_time_s)), 3)


class VerifyConfig(BaseModel):
    min_candidates: int = Field(4, ge=1, description="Distinct usable candidates needed to vote.")
    min_agreement: float = Field(0.5, gt=0, le=1, description="Winning group / all voters.")
    min_votes: int = Field(2, ge=1)
    min_tests: int = Field(5, ge=1, description="Labelled tests a task must keep.")
    on_sample_mismatch: Literal["drop_task", "drop_test"] = "drop_task"
    limits: ExecLimits = Field(default_factory=lambda: ExecLimits(time_s=10, memory_mb=1024))
    output_cap_bytes: int = Field(1 << 20, ge=1024, le=1 << 24, description="First cap on returned stdout.")
    max_output_cap_bytes: int = Field(
        1 << 24,
        ge=1024,
        le=1 << 24,
        description="A program whose output was cut runs again with an 8× larger cap, up to this.",
    )
    votes: VoteRules = Field(default_factory=VoteRules)
    oracle: OracleConfig = Field(default_factory=OracleConfig)
    golden: GoldenConfig = Field(default_factory=GoldenConfig)
    time_limit: TimeLimitConfig = Field(default_factory=TimeLimitConfig)
    final_check: bool = True
