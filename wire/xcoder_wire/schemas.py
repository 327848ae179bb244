"""Wire formats of the judge: what a submission is and what a verdict looks like.

These models are the contract between the engine, the HTTP API, the queue, the clients and
SynthSmith: each of them imports this module, none keeps a copy. Every bound is a named constant
so the API can quote it in its error messages and a client fails on the same value the judge
would. Request models forbid unknown fields; response models ignore them, so an older client
keeps reading a newer judge.

Why one module: it is the contract, read as one page by whoever writes a client; the models
refer to each other (a submission holds its tests, checker and limits, a result its test
results), and the bounds they share are constants defined once above them. Behaviour is
elsewhere (`checkers.py`, `languages.py`, `verdicts.py`); this file holds only shapes and bounds.
"""

from __future__ import annotations

import enum
import math
import re
from typing import Annotated, Any, Literal, TypeAlias

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    field_validator,
    model_validator,
)

from xcoder_wire.verdicts import Verdict

# Bounds a submission must respect. Operators can tighten some of them through
# settings; none can be loosened past these.
MAX_TIME_S = 60.0
MAX_WALL_S = 300.0
MAX_MEMORY_MB = 16384
MIN_MEMORY_MB = 16
MAX_OUTPUT_MB = 1024
MAX_PROCESSES = 1024
MAX_OPEN_FILES = 4096
MAX_SOURCE_BYTES = 1 << 20
MAX_TESTS = 10000
MAX_ID_LENGTH = 128
MAX_FILES = 64
MAX_FILE_NAME = 128
# A file name in a submission: one plain name in the program's directory (no path, no glob
# characters, not hidden), so it can only ever land beside the main source.
FILE_NAME_PATTERN = r"^[A-Za-z0-9_][A-Za-z0-9_.+\-]*$"


class _Strict(BaseModel):
    # Non-finite floats have no JSON form: refused in every float field (not sent on as null).
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


def _check_files(files: dict[str, str]) -> dict[str, str]:
    """Extra source files: plain names, a bounded count and total size, no NUL bytes."""
    if len(files) > MAX_FILES:
        raise ValueError(f"at most {MAX_FILES} files")
    total = 0
    for name, text in files.items():
        if len(name) > MAX_FILE_NAME or not re.fullmatch(FILE_NAME_PATTERN, name) or ".." in name:
            raise ValueError(
                f"file name {name[:MAX_FILE_NAME]!r} must be a plain name of letters, digits and _.+- "
                f"(at most {MAX_FILE_NAME} characters, no path)"
            )
        if "\x00" in text:
            raise ValueError(f"file {name!r} contains a NUL byte")
        total += len(text.encode())
    if total > MAX_SOURCE_BYTES:
        raise ValueError(f"files hold {total} bytes; at most {MAX_SOURCE_BYTES} in all")
    return files


SourceFiles = Annotated[
    dict[str, str],
    AfterValidator(_check_files),
    Field(
        default_factory=dict,
        description="Extra source files beside the main one, by plain file name (a header, more classes).",
    ),
]


class Limits(_Strict):
    """Per-test limits, enforced from outside the program."""

    time_s: float = Field(2.0, gt=0, le=MAX_TIME_S, description="CPU time of the whole process tree.")
    wall_s: float | None = Field(
        None, gt=0, le=MAX_WALL_S, description="Wall-clock backstop; default 2 × time_s + 1."
    )
    memory_mb: int = Field(512, ge=MIN_MEMORY_MB, le=MAX_MEMORY_MB, description="Whole process tree.")
    stack_mb: int | None = Field(
        None, ge=1, le=MAX_MEMORY_MB, description="Stack size; default equals memory_mb (as Codeforces)."
    )
    output_mb: float = Field(64, gt=0, le=MAX_OUTPUT_MB, description="stdout and stderr, each.")
    file_size_mb: float = Field(64, gt=0, le=MAX_OUTPUT_MB, description="Largest file the program may write.")
    processes: int = Field(64, ge=1, le=MAX_PROCESSES, description="Processes and threads together.")
    open_files: int = Field(256, ge=16, le=MAX_OPEN_FILES)

    @property
    def effective_wall_s(self) -> float:
        return self.wall_s if self.wall_s is not None else 2 * self.time_s + 1

    @property
    def effective_stack_mb(self) -> int:
        return self.stack_mb if self.stack_mb is not None else self.memory_mb


class CompileLimits(_Strict):
    time_s: float = Field(20.0, gt=0, le=MAX_TIME_S)
    memory_mb: int = Field(2048, ge=MIN_MEMORY_MB, le=MAX_MEMORY_MB)


# ---------------------------------------------------------------- checkers


class TokensChecker(_Strict):
    """Whitespace-insensitive token comparison: the competitive-programming default."""

    kind: Literal["tokens"] = "tokens"
    case_sensitive: bool = True


class ExactChecker(_Strict):
    """Byte-exact comparison; a mismatch that tokens would accept is PE."""

    kind: Literal["exact"] = "exact"


class LinesChecker(_Strict):
    """Line by line, ignoring trailing whitespace on each line and trailing blank lines."""

    kind: Literal["lines"] = "lines"


class FloatsChecker(_Strict):
    """Tokens; numeric tokens equal within absolute OR relative tolerance. NaN never matches."""

    kind: Literal["floats"] = "floats"
    abs_tol: float = Field(1e-6, ge=0)
    rel_tol: float = Field(1e-6, ge=0)


class KattisChecker(_Strict):
    """The Kattis/DOMjudge default output validator, flag for flag (checkers/kattis.py).

    Tokens compare case-insensitively unless `case_sensitive`; whitespace runs must match
    byte for byte with `space_change_sensitive`. A tolerance turns on float comparison: a
    token of the answer that is a finite number matches a finite number within the absolute
    OR the relative tolerance; every other token (NaN, inf, words) is compared as a string.
    `float_tolerance` sets both tolerances, each unless given on its own.
    """

    kind: Literal["kattis"] = "kattis"
    case_sensitive: bool = False
    space_change_sensitive: bool = False
    float_tolerance: float | None = Field(None, ge=0)
    float_absolute_tolerance: float | None = Field(None, ge=0)
    float_relative_tolerance: float | None = Field(None, ge=0)

    @property
    def abs_tol(self) -> float | None:
        return (
            self.float_absolute_tolerance
            if self.float_absolute_tolerance is not None
            else self.float_tolerance
        )

    @property
    def rel_tol(self) -> float | None:
        return (
            self.float_relative_tolerance
            if self.float_relative_tolerance is not None
            else self.float_tolerance
        )


ValidatorProtocol = Literal["testlib", "kattis"]
PROTOCOL_DESCRIPTION = (
    "testlib: run as `checker input output answer` (an interactor: `interactor input answer`), "
    "exit 0 AC, 1 WA, 2 PE. kattis: the Kattis output-validator protocol, `validator input answer "
    "feedback_dir [flags]` with the output (or the solution) on stdin, exit 42 AC, 43 WA; "
    "feedback_dir/judgemessage.txt is the message."
)
MAX_FLAGS = 64
MAX_PASSES = 100


class ProgramChecker(_Strict):
    """A custom checker run sandboxed (testlib exit codes, or the Kattis validator protocol)."""

    kind: Literal["program"] = "program"
    language: str
    source: str = Field(min_length=1, max_length=MAX_SOURCE_BYTES)
    files: SourceFiles  # e.g. a testlib.h you supply
    protocol: ValidatorProtocol = Field("testlib", description=PROTOCOL_DESCRIPTION)
    flags: list[Annotated[str, Field(max_length=256)]] = Field(
        default_factory=list, max_length=MAX_FLAGS, description="kattis: arguments after feedback_dir."
    )

    @model_validator(mode="after")
    def _flags_need_kattis(self) -> ProgramChecker:
        if self.flags and self.protocol != "kattis":
            raise ValueError("flags: only the kattis protocol passes flags")
        return self


Checker = Annotated[
    TokensChecker | ExactChecker | LinesChecker | FloatsChecker | KattisChecker | ProgramChecker,
    Field(discriminator="kind"),
]


class Interactor(_Strict):
    """Interactive problems: the interactor talks to the solution over pipes.

    It runs as `interactor input answer` with the solution's stdout on its stdin and its stdout
    on the solution's stdin; exit codes follow the checker protocol.
    """

    language: str
    source: str = Field(min_length=1, max_length=MAX_SOURCE_BYTES)
    files: SourceFiles
    protocol: ValidatorProtocol = Field("testlib", description=PROTOCOL_DESCRIPTION)
    flags: list[Annotated[str, Field(max_length=256)]] = Field(
        default_factory=list, max_length=MAX_FLAGS, description="kattis: arguments after feedback_dir."
    )

    @model_validator(mode="after")
    def _flags_need_kattis(self) -> Interactor:
        if self.flags and self.protocol != "kattis":
            raise ValueError("flags: only the kattis protocol passes flags")
        return self


# ------------------------------------------------------------------- tests


class StdioTest(_Strict):
    """Feed `input` on stdin; compare stdout with `expected` (null: only run it)."""

    kind: Literal["stdio"] = "stdio"
    id: str | None = Field(None, max_length=MAX_ID_LENGTH)
    input: str = ""
    expected: str | None = None


class CallTest(_Strict):
    """Call a function (or `Solution().<name>`) with JSON arguments; compare the JSON result."""

    kind: Literal["call"] = "call"
    id: str | None = Field(None, max_length=MAX_ID_LENGTH)
    args: list[Any] = Field(default_factory=list)
    kwargs: dict[str, Any] = Field(default_factory=dict)
    expected: Any = None

    @field_validator("args", "kwargs", "expected")
    @classmethod
    def _json_values(cls, v: Any) -> Any:
        # JSON cannot carry NaN or Infinity: refused here rather than turned into null on the way.
        where = _non_finite_at(v)
        if where is not None:
            raise ValueError(
                f"non-finite number at {where or 'the top level'}: JSON has no NaN or Infinity "
                "(compare such results in the test code, or send them as strings)"
            )
        return v


class AssertTest(_Strict):
    """Run `code` after the solution in one program (HumanEval style).

    The test passes only if the program reaches the end of `code`; an early exit with
    status 0 fails. With `entry_point`, `check(<entry_point>)` is called after `code`.
    """

    kind: Literal["assert"] = "assert"
    id: str | None = Field(None, max_length=MAX_ID_LENGTH)
    code: str = Field(min_length=1)
    entry_point: str | None = None


def _non_finite_at(value: Any, path: str = "") -> str | None:
    """The path (`[0]["x"]`) of the first NaN or ±Infinity inside a JSON-like value, else None."""
    if isinstance(value, float):
        return None if math.isfinite(value) else path
    if isinstance(value, dict):
        items: Any = ((f"[{k!r}]", v) for k, v in value.items())
    elif isinstance(value, list | tuple):
        items = ((f"[{i}]", v) for i, v in enumerate(value))
    else:
        return None
    for step, item in items:
        found = _non_finite_at(item, path + step)
        if found is not None:
            return found
    return None


def _test_kind(value: Any) -> str:
    """Tests without a `kind` are stdio tests, the common case."""
    if isinstance(value, dict):
        return value.get("kind", "stdio")
    return getattr(value, "kind", "stdio")


Test = Annotated[
    Annotated[StdioTest, Tag("stdio")]
    | Annotated[CallTest, Tag("call")]
    | Annotated[AssertTest, Tag("assert")],
    Discriminator(_test_kind),
]
# The same three test types for type annotations (`Test` is the validating field type).
AnyTest: TypeAlias = StdioTest | CallTest | AssertTest
HarnessTest: TypeAlias = CallTest | AssertTest  # run through the Python harness


class Priority(str, enum.Enum):
    interactive = "interactive"
    bulk = "bulk"


class OutputMode(str, enum.Enum):
    none = "none"
    failed = "failed"  # return stdout/stderr of failed tests only
    all = "all"


_ADD = "a, b = map(int, input().split())\nprint(a + b)\n"
SUBMISSION_EXAMPLES: list[dict[str, Any]] = [
    {
        "language": "python3",
        "source": _ADD,
        "tests": [{"input": "1 2\n", "expected": "3\n"}, {"input": "40 2\n", "expected": "42\n"}],
        "limits": {"time_s": 2, "memory_mb": 256},
    },
    {
        "id": "task-17:rollout-3",
        "language": "python3",
        "source": "class Solution:\n    def area(self, r):\n        return 3.141592653589793 * r * r\n",
        "fn_name": "area",
        "tests": [{"kind": "call", "args": [1.5], "expected": 7.0685834705770345}],
        "checker": {"kind": "floats", "abs_tol": 1e-9, "rel_tol": 1e-9},
        "stop_on_first_failure": True,
        "priority": "bulk",
    },
]


class Submission(_Strict):
    """One program and the tests it must pass."""

    model_config = ConfigDict(json_schema_extra={"examples": SUBMISSION_EXAMPLES})

    id: str | None = Field(
        None,
        max_length=MAX_ID_LENGTH,
        pattern=r"^[A-Za-z0-9._:\-]+$",
        description="Client-supplied id; resubmitting the same id returns the same result.",
    )
    language: str = Field(min_length=1, max_length=32)
    source: str = Field(max_length=MAX_SOURCE_BYTES)
    files: SourceFiles  # compiled with `source` (Java classes, C++ units) or beside it (headers)
    tests: list[Test] = Field(min_length=1, max_length=MAX_TESTS)
    limits: Limits = Field(default_factory=Limits)
    compile_limits: CompileLimits = Field(default_factory=CompileLimits)
    checker: Checker = Field(default_factory=TokensChecker)
    interactor: Interactor | None = None
    fn_name: str | None = Field(
        None,
        pattern=r"^[A-Za-z_][A-Za-z0-9_]*$",
        description="Function for call tests; looked up on Solution() first, then as a global.",
    )
    passes: int = Field(
        1,
        ge=1,
        le=MAX_PASSES,
        description="Multi-pass problems: the most passes of a test. After an accepted pass the "
        "kattis-protocol checker or interactor may write nextpass.in, the next pass's input.",
    )
    stop_on_first_failure: bool = False
    output: OutputMode = OutputMode.failed
    output_cap_bytes: int = Field(
        4096, ge=0, le=1 << 24, description="Bytes of stdout/stderr returned per test."
    )
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
        if self.passes > 1:
            judge = self.interactor if self.interactor is not None else self.checker
            if getattr(judge, "protocol", None) != "kattis":
                raise ValueError("passes: multi-pass needs a kattis-protocol checker or interactor")
            if kinds != {"stdio"}:
                raise ValueError("tests: multi-pass problems take stdio tests only")
        return self


# ----------------------------------------------------------------- results


class CompileResult(BaseModel):
    ok: bool
    cached: bool = False
    time_s: float = 0.0
    output: str = ""


class TestResult(BaseModel):
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
    reason: Literal["checker_error"] | None = Field(
        None,
        description="checker_error: the checker, interactor or assert tester failed on this output "
        "(crashed, hung, ran out of memory, gave an undefined exit code). The verdict is then WA: "
        "deterministic, never retried; reward clients score it 0 unless configured otherwise.",
    )
    stdout: str | None = None
    stderr: str | None = None
    stdout_truncated: bool = False
    stderr_truncated: bool = False


class Rejection(BaseModel):
    """Why the judge refused a submission without judging it: resubmitting it unchanged never helps."""

    field: Literal["checker", "interactor"] = Field(description="The part of the submission at fault.")
    message: str
    compiler_output: str = Field("", description="The compiler's output for that part (capped).")


class SubmissionResult(BaseModel):
    """A verdict. `verdict == SE` means the judge failed: the result is unscored, not wrong.

    With `rejection` set the judge refused the submission as sent (its checker or interactor
    does not compile): the verdict is SE (nothing was scored) and no retry helps.
    """

    id: str
    verdict: Verdict
    score: float = Field(description="Fraction of tests passed.")
    passed: int
    total: int
    compile: CompileResult | None = None
    tests: list[TestResult] = Field(default_factory=list)
    message: str = ""
    language: str = ""
    attempts: int = 1
    rejection: Rejection | None = None

    @property
    def scored(self) -> bool:
        """False when the judge itself failed (SE): such a result says nothing about the program."""
        return self.verdict is not Verdict.SE

    @property
    def accepted(self) -> bool:
        return self.verdict is Verdict.AC


# ------------------------------------------------------------ node status


class LanguageInfo(BaseModel):
    id: str
    name: str
    version: str
    aliases: list[str] = Field(default_factory=list)
    compiled: bool
    warm: bool = Field(description="Runs from a warm pre-forked interpreter.")


class Capabilities(BaseModel):
    """What isolation this node actually enforces, so users can see what holds."""

    level: Literal["full", "partial", "rlimits"]
    cgroup: Literal["v2", "v1", "none"]
    namespaces: list[str]
    seccomp: bool
    uid_drop: bool
    no_new_privs: bool
    box_userns: bool = Field(
        False,
        description="Each slot's box (PID 1 of its namespaces) runs, after its set-up, as root of its "
        "own user namespace mapped to an unprivileged host uid.",
    )
    box_capabilities: list[str] = Field(
        default_factory=list,
        description="The capabilities the box keeps after set-up (effective set; in its own user "
        "namespace when `box_userns`).",
    )
    box_userns_reason: str | None = Field(None, description="Why there is no user namespace, if not.")
    warnings: list[str] = Field(default_factory=list)


# ------------------------------------------------------------- HTTP envelopes

MAX_BATCH = 4096
MAX_WAIT_S = 3600.0


class JobStatus(str, enum.Enum):
    queued = "queued"
    running = "running"
    done = "done"
    rejected = "rejected"  # terminal: the judge refused to run it as sent (`result.rejection` says why)

    @property
    def terminal(self) -> bool:
        return self in (JobStatus.done, JobStatus.rejected)


class SubmissionEnvelope(BaseModel):
    """A submission's state; `result` is set once `status` is done (SE results included) or
    rejected (`result.rejection` names the field and carries the compiler output)."""

    id: str
    status: JobStatus
    result: SubmissionResult | None = None


class BatchRequest(_Strict):
    model_config = ConfigDict(json_schema_extra={"examples": [{"submissions": SUBMISSION_EXAMPLES}]})

    submissions: list[Submission] = Field(min_length=1, max_length=MAX_BATCH)


class BatchResponse(BaseModel):
    """Items in request order."""

    items: list[SubmissionEnvelope]


class LookupRequest(_Strict):
    model_config = ConfigDict(json_schema_extra={"examples": [{"ids": ["task-17:rollout-3"], "wait": 30}]})

    ids: list[Annotated[str, Field(max_length=MAX_ID_LENGTH)]] = Field(min_length=1, max_length=MAX_BATCH)
    wait: float = Field(0.0, ge=0, le=MAX_WAIT_S)


# ------------------------------------------------------------- service status


class WorkerCapabilities(BaseModel):
    name: str
    slots: int
    capabilities: Capabilities


class CapabilitiesResponse(BaseModel):
    """What each live worker enforces (workers may differ: a job runs on whichever is free)."""

    workers: list[WorkerCapabilities]


class WorkerStatus(BaseModel):
    name: str
    host: str
    slots: int
    slots_busy: int
    job_threads: int
    draining: bool = Field(description="Finishing its running submissions before it stops.")
    languages: list[str]
    isolation: Literal["full", "partial", "rlimits"]
    uptime_s: float


class ServiceStatus(BaseModel):
    queued: dict[Priority, int] = Field(description="Submissions waiting, per priority.")
    running: int = Field(description="Submissions being judged.")
    workers: list[WorkerStatus] = Field(description="Live workers.")
    slots_total: int
    slots_busy: int
