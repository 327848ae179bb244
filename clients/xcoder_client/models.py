"""Client-side mirror of the judge's wire models (services/judge/xcoder_judge/schemas.py).

The client must install without the judge, so it keeps its own light copy. Request models
forbid unknown fields and keep the judge's main bounds, so a bad submission fails here with a
clear message instead of a 422 from the server. Response models ignore unknown fields so an
older client keeps working against a newer judge. A contract test pins the field names and
the verdict set to the server's models.
"""

from __future__ import annotations

import enum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, field_validator, model_validator

MAX_SOURCE_BYTES = 1 << 20
MAX_TESTS = 10000
MAX_ID_LENGTH = 128
MAX_BATCH = 4096
MAX_WAIT_S = 3600.0
ID_PATTERN = r"^[A-Za-z0-9._:\-]+$"


class Verdict(str, enum.Enum):
    """The judge's verdict vocabulary. SE is the judge's own failure and is never a score."""

    AC = "AC"
    WA = "WA"
    PE = "PE"
    TLE = "TLE"
    MLE = "MLE"
    OLE = "OLE"
    RE = "RE"
    CE = "CE"
    SE = "SE"
    SK = "SK"


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Response(BaseModel):
    model_config = ConfigDict(extra="ignore")


# ------------------------------------------------------------------ requests


class Limits(_Request):
    time_s: float = Field(2.0, gt=0, le=60.0)
    wall_s: float | None = Field(None, gt=0, le=300.0)
    memory_mb: int = Field(512, ge=16, le=16384)
    stack_mb: int | None = Field(None, ge=1, le=16384)
    output_mb: float = Field(64, gt=0, le=1024)
    file_size_mb: float = Field(64, gt=0, le=1024)
    processes: int = Field(64, ge=1, le=1024)
    open_files: int = Field(256, ge=16, le=4096)


class CompileLimits(_Request):
    time_s: float = Field(20.0, gt=0, le=60.0)
    memory_mb: int = Field(2048, ge=16, le=16384)


class TokensChecker(_Request):
    kind: Literal["tokens"] = "tokens"
    case_sensitive: bool = True


class ExactChecker(_Request):
    kind: Literal["exact"] = "exact"


class LinesChecker(_Request):
    kind: Literal["lines"] = "lines"


class FloatsChecker(_Request):
    kind: Literal["floats"] = "floats"
    abs_tol: float = Field(1e-6, ge=0)
    rel_tol: float = Field(1e-6, ge=0)


class ProgramChecker(_Request):
    kind: Literal["program"] = "program"
    language: str
    source: str = Field(min_length=1, max_length=MAX_SOURCE_BYTES)
    files: dict[str, str] = Field(default_factory=dict)


Checker = Annotated[
    TokensChecker | ExactChecker | LinesChecker | FloatsChecker | ProgramChecker,
    Field(discriminator="kind"),
]


class Interactor(_Request):
    language: str
    source: str = Field(min_length=1, max_length=MAX_SOURCE_BYTES)
    files: dict[str, str] = Field(default_factory=dict)


class StdioTest(_Request):
    """stdin in, stdout compared with `expected` by the checker (None: only run)."""

    kind: Literal["stdio"] = "stdio"
    id: str | None = Field(None, max_length=MAX_ID_LENGTH)
    input: str = ""
    expected: str | None = None


class CallTest(_Request):
    """Call `fn_name` (on Solution() first, else a global) with JSON args; compare JSON result."""

    kind: Literal["call"] = "call"
    id: str | None = Field(None, max_length=MAX_ID_LENGTH)
    args: list[Any] = Field(default_factory=list)
    kwargs: dict[str, Any] = Field(default_factory=dict)
    expected: Any = None


class AssertTest(_Request):
    """`code` appended to the program; passes only if the program runs to its end."""

    kind: Literal["assert"] = "assert"
    id: str | None = Field(None, max_length=MAX_ID_LENGTH)
    code: str = Field(min_length=1)
    entry_point: str | None = None


def _test_kind(value: Any) -> str:
    if isinstance(value, dict):
        return value.get("kind", "stdio")
    return getattr(value, "kind", "stdio")


Test = Annotated[
    Annotated[StdioTest, Tag("stdio")]
    | Annotated[CallTest, Tag("call")]
    | Annotated[AssertTest, Tag("assert")],
    Discriminator(_test_kind),
]


class Priority(str, enum.Enum):
    interactive = "interactive"
    bulk = "bulk"


class OutputMode(str, enum.Enum):
    none = "none"
    failed = "failed"
    all = "all"


class Submission(_Request):
    """One program and the tests it must pass (see docs/judge-api.md)."""

    id: str | None = Field(None, max_length=MAX_ID_LENGTH, pattern=ID_PATTERN)
    language: str = Field(min_length=1, max_length=32)
    source: str = Field(max_length=MAX_SOURCE_BYTES)
    tests: list[Test] = Field(min_length=1, max_length=MAX_TESTS)
    limits: Limits = Field(default_factory=Limits)
    compile_limits: CompileLimits = Field(default_factory=CompileLimits)
    checker: Checker = Field(default_factory=TokensChecker)
    interactor: Interactor | None = None
    fn_name: str | None = Field(None, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    stop_on_first_failure: bool = False
    output: OutputMode = OutputMode.failed
    output_cap_bytes: int = Field(4096, ge=0, le=1 << 24)
    priority: Priority = Priority.interactive

    @field_validator("source")
    @classmethod
    def _source_not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("source is empty")
        if "\x00" in v:
            raise ValueError("source contains a NUL byte")
        return v

    @model_validator(mode="after")
    def _tests_are_consistent(self) -> Submission:
        kinds = {t.kind for t in self.tests}
        if "call" in kinds and not self.fn_name:
            raise ValueError("tests: call tests need fn_name")
        if self.interactor is not None and kinds != {"stdio"}:
            raise ValueError("tests: interactive problems take stdio tests only")
        return self


class BatchRequest(_Request):
    submissions: list[Submission] = Field(min_length=1, max_length=MAX_BATCH)


class LookupRequest(_Request):
    ids: list[Annotated[str, Field(max_length=MAX_ID_LENGTH)]] = Field(min_length=1, max_length=MAX_BATCH)
    wait: float = Field(0.0, ge=0, le=MAX_WAIT_S)


# ----------------------------------------------------------------- responses


class CompileResult(_Response):
    ok: bool
    cached: bool = False
    time_s: float = 0.0
    output: str = ""


class TestResult(_Response):
    __test__ = False  # not a pytest test class

    index: int
    id: str | None = None
    verdict: Verdict
    time_s: float = 0.0
    wall_s: float = 0.0
    memory_kb: int = 0
    exit_code: int | None = None
    signal: int | None = None
    message: str = ""
    reason: str | None = None
    """"checker_error": the checker, interactor or assert tester failed on this output (verdict WA)."""
    stdout: str | None = None
    stderr: str | None = None
    stdout_truncated: bool = False
    stderr_truncated: bool = False


class SubmissionResult(_Response):
    """A verdict. `verdict == SE` means the judge failed: the result is unscored, not wrong."""

    id: str
    verdict: Verdict
    score: float
    passed: int
    total: int
    compile: CompileResult | None = None
    tests: list[TestResult] = Field(default_factory=list)
    message: str = ""
    language: str = ""
    attempts: int = 1

    @property
    def scored(self) -> bool:
        """False when the judge itself failed (SE): such a result says nothing about the program."""
        return self.verdict is not Verdict.SE

    @property
    def accepted(self) -> bool:
        return self.verdict is Verdict.AC


class JobStatus(str, enum.Enum):
    queued = "queued"
    running = "running"
    done = "done"


class SubmissionEnvelope(_Response):
    id: str
    status: JobStatus
    result: SubmissionResult | None = None


class BatchResponse(_Response):
    items: list[SubmissionEnvelope]


class LanguageInfo(_Response):
    id: str
    name: str
    version: str
    aliases: list[str] = Field(default_factory=list)
    compiled: bool
    warm: bool
