"""SandboxFusion's `POST /run_code`, as verl 0.9.1's `sandbox_fusion` reward calls it.

Field names and value vocabularies follow SandboxFusion's `RunCodeRequest` / `RunCodeResponse`
(bytedance/SandboxFusion, sandbox/server/sandbox_api.py). verl compares `run_result.stdout` with
the expected output itself, so stdout is returned whole: output is limited to OUTPUT_LIMIT_MB and
a longer output is an error, never a silently truncated string.

Differences from SandboxFusion, documented in docs/judge-service.md: `run_timeout` limits CPU
time and wall time alike; `memory_limit_MB <= 0` (no limit there) means DEFAULT_MEMORY_MB here;
`files` and `fetch_files` must be empty; only languages the workers offer are accepted.
"""

from __future__ import annotations

import hashlib
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from xcoder_wire.schemas import (
    MAX_MEMORY_MB,
    MAX_SOURCE_BYTES,
    MAX_TIME_S,
    MIN_MEMORY_MB,
    CompileLimits,
    Limits,
    OutputMode,
    Priority,
    StdioTest,
    Submission,
    SubmissionResult,
    Verdict,
)

DEFAULT_MEMORY_MB = 1024  # verl's default memory_limit_mb
OUTPUT_LIMIT_MB = 16  # equals the largest output a result may carry, so stdout is never cut

# verl's caller (verl/utils/reward_score/sandbox_fusion/utils.py, `call_sandbox_api`) gives up on
# a request after compile_timeout + run_timeout + API_TIMEOUT (10) seconds and then scores the
# test as failed; it retries only a 504 (3 attempts, 1 s and 2 s apart). So an answer that is
# not ready is a 504 sent before that deadline, and the retry finds the same job by its id.
CALLER_API_TIMEOUT_S = 10.0
CALLER_MARGIN_S = 2.0

# SandboxFusion language names → ours. Names outside this table are refused with the list.
LANGUAGES: dict[str, str] = {
    "python": "python3",
    "cpp": "cpp17",
    "nodejs": "javascript",
    "go": "go",
    "java": "java",
    "rust": "rust",
    "typescript": "typescript",
    "csharp": "csharp",
    "scala": "scala",
    "php": "php",
    "ruby": "ruby",
    "perl": "perl",
    "lua": "lua",
    "bash": "bash",
}


class CompatError(ValueError):
    """A request field SandboxFusion accepts that this judge cannot honour."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class RunCodeRequest(BaseModel):
    model_config = ConfigDict(  # unknown fields are ignored, as SandboxFusion does
        extra="ignore",
        allow_inf_nan=False,
        json_schema_extra={
            "examples": [
                {
                    "code": "a, b = map(int, input().split())\nprint(a + b)\n",
                    "language": "python",
                    "stdin": "1 2\n",
                    "compile_timeout": 10,
                    "run_timeout": 10,
                    "memory_limit_MB": 1024,
                    "files": {},
                    "fetch_files": [],
                }
            ]
        },
    )

    code: str = Field(max_length=MAX_SOURCE_BYTES)
    language: str = Field(min_length=1, max_length=32)
    stdin: str | None = None
    compile_timeout: float = Field(10.0, gt=0, le=MAX_TIME_S)
    run_timeout: float = Field(10.0, gt=0, le=MAX_TIME_S)
    memory_limit_MB: int = Field(-1, le=MAX_MEMORY_MB, description="<= 0: the default of 1024 MB.")
    files: dict[str, str | None] = Field(default_factory=dict, description="Must be empty.")
    fetch_files: list[str] = Field(default_factory=list, description="Must be empty.")

    @field_validator("code")
    @classmethod
    def _code(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("code is empty")
        if "\x00" in v:
            raise ValueError("code contains a NUL byte")
        return v

    @field_validator("memory_limit_MB")
    @classmethod
    def _memory(cls, v: int) -> int:
        if 0 < v < MIN_MEMORY_MB:
            raise ValueError(f"memory_limit_MB must be at least {MIN_MEMORY_MB}, or <= 0 for the default")
        return v


class CommandRunResult(BaseModel):
    status: Literal["Finished", "Error", "TimeLimitExceeded"]
    execution_time: float | None = None
    return_code: int | None = None
    stdout: str | None = None
    stderr: str | None = None


class RunCodeResponse(BaseModel):
    status: Literal["Success", "Failed", "SandboxError"]
    message: str = ""
    compile_result: CommandRunResult | None = None
    run_result: CommandRunResult | None = None
    executor_pod_name: str | None = None
    files: dict[str, str] = Field(default_factory=dict)


def caller_wait_s(request: RunCodeRequest, compat_wait_s: float) -> float:
    """How long to wait for a verdict before answering 504: the compat wait, but never past the
    moment verl's caller stops listening (it would then score the test as failed)."""
    caller = request.compile_timeout + request.run_timeout + CALLER_API_TIMEOUT_S - CALLER_MARGIN_S
    return max(1.0, min(compat_wait_s, caller))


def to_submission(request: RunCodeRequest) -> Submission:
    """The one-test submission equivalent to the request (raises CompatError naming a field).

    Its id is derived from its content, so a caller retrying after a 504 waits for the job it
    already queued instead of adding another; identical requests within the result TTL share
    one run (they ask for the same program on the same input under the same limits).
    """
    if request.files:
        raise CompatError("files", "files are not supported by this judge; send the program as `code`")
    if request.fetch_files:
        raise CompatError("fetch_files", "fetch_files is not supported by this judge")
    language = LANGUAGES.get(request.language.strip().lower())
    if language is None:
        raise CompatError(
            "language",
            f"language {request.language!r} is not supported here; use one of: {', '.join(LANGUAGES)}",
        )
    memory = request.memory_limit_MB if request.memory_limit_MB > 0 else DEFAULT_MEMORY_MB
    submission = Submission(
        language=language,
        source=request.code,
        tests=[StdioTest(input=request.stdin or "", expected=None)],
        limits=Limits(
            time_s=request.run_timeout,
            wall_s=request.run_timeout,
            memory_mb=memory,
            output_mb=OUTPUT_LIMIT_MB,
        ),
        compile_limits=CompileLimits(time_s=request.compile_timeout),
        output=OutputMode.all,
        output_cap_bytes=OUTPUT_LIMIT_MB << 20,
        priority=Priority.bulk,
    )
    digest = hashlib.sha256(submission.model_dump_json(exclude={"id"}).encode()).hexdigest()
    return submission.model_copy(update={"id": f"sandboxfusion:{digest[:48]}"})


def sandbox_error(message: str) -> RunCodeResponse:
    return RunCodeResponse(status="SandboxError", message=message)


def to_response(result: SubmissionResult) -> RunCodeResponse:
    """SandboxFusion's reading of our verdict (its statuses carry no verdict of their own)."""
    if result.verdict is Verdict.SE:
        return sandbox_error(result.message or "the judge failed; retry")
    compile_result = None
    if result.compile is not None:
        compile_result = CommandRunResult(
            status="Finished",
            execution_time=result.compile.time_s,
            return_code=0 if result.compile.ok else 1,
            stdout="",
            stderr=result.compile.output,
        )
    if result.verdict is Verdict.CE:
        return RunCodeResponse(status="Failed", message="", compile_result=compile_result, run_result=None)
    if not result.tests:
        return sandbox_error("the judge returned no run")
    test = result.tests[0]
    if test.verdict is Verdict.SE:
        return sandbox_error(test.message or result.message or "the judge failed; retry")
    if test.stdout_truncated or test.stderr_truncated:
        return sandbox_error(f"output longer than {OUTPUT_LIMIT_MB} MiB could not be returned whole")
    if test.verdict is Verdict.TLE:
        run = CommandRunResult(
            status="TimeLimitExceeded",
            execution_time=test.wall_s,
            return_code=None,
            stdout=test.stdout or "",
            stderr=test.stderr or "",
        )
    else:
        run = CommandRunResult(
            status="Finished",
            execution_time=test.wall_s,
            return_code=_return_code(test.verdict, test.exit_code, test.signal),
            stdout=test.stdout or "",
            stderr=test.stderr or "",
        )
    ok = run.status == "Finished" and run.return_code == 0
    return RunCodeResponse(
        status="Success" if ok else "Failed", compile_result=compile_result, run_result=run
    )


def _return_code(verdict: Verdict, exit_code: int | None, signal: int | None) -> int:
    """SandboxFusion's return code: the exit status, or minus the signal that killed the program."""
    if signal:
        return -signal
    if exit_code is not None and (exit_code != 0 or verdict in (Verdict.AC, Verdict.WA, Verdict.PE)):
        return exit_code
    return 0 if verdict in (Verdict.AC, Verdict.WA, Verdict.PE) else 1
