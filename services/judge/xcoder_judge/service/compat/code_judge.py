"""code-judge's API (X-Coder's RL reward server): `/judge`, `/run`, their batches, `/status`.

Field names and the `reason` vocabulary follow code-judge's `app/model.py` (0xWJ/code-judge,
vendored by X-Coder under rl-recipe/code-judge). X-Coder's trainer posts
`{"type": "batch", "submissions": [{"type", "solution", "input", "expected_output"}]}` to
`/judge/long-batch` and reads `results[*].success`; results come back in request order.

Differences from code-judge, documented in docs/judge-service.md: output is compared by our
`tokens` checker (whitespace-insensitive tokens) instead of `stdout.strip() == expected.strip()`;
nothing is ever dropped from the queue (`queue_timeout` only when no verdict came within the
wait); `sub_id` is echoed but never used as an idempotency key (clients reuse such ids).
"""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from xcoder_wire.schemas import (
    MAX_BATCH,
    Limits,
    OutputMode,
    Priority,
    StdioTest,
    Submission,
    SubmissionResult,
    TokensChecker,
    Verdict,
)

LANGUAGES: dict[str, str] = {"python": "python3", "cpp": "cpp17"}
RUN_OUTPUT_CAP_BYTES = 64 << 10  # stdout/stderr returned by /run* (code-judge returns 1000 chars)

Reason = Literal["", "worker_timeout", "queue_timeout", "internal_error", "invalid_input"]


_EXAMPLE = {"type": "python", "solution": "print(input()[::-1])", "input": "abc", "expected_output": "cba"}


class CJSubmission(BaseModel):
    model_config = ConfigDict(extra="ignore", json_schema_extra={"examples": [_EXAMPLE]})

    sub_id: str | None = None
    type: Literal["python", "cpp"]
    solution: str
    input: str | None = None
    expected_output: str | None = None
    options: dict[str, str] | None = None  # accepted and ignored, as code-judge does


class CJBatchSubmission(BaseModel):
    model_config = ConfigDict(
        extra="ignore", json_schema_extra={"examples": [{"type": "batch", "submissions": [_EXAMPLE]}]}
    )

    sub_id: str | None = None
    type: Literal["batch"] = "batch"
    submissions: list[CJSubmission] = Field(min_length=1, max_length=MAX_BATCH)


class JudgeResult(BaseModel):
    sub_id: str
    success: bool
    run_success: bool
    cost: float
    reason: Reason = ""


class RunResult(JudgeResult):
    stdout: str | None = None
    stderr: str | None = None


class BatchJudgeResult(BaseModel):
    sub_id: str
    results: list[JudgeResult]


class BatchRunResult(BaseModel):
    sub_id: str
    results: list[RunResult]


def sub_id_of(sub_id: str | None) -> str:
    return sub_id if sub_id is not None else str(uuid.uuid4())


def precheck(sub: CJSubmission, sub_id: str) -> RunResult | None:
    """Answers that need no run: a blank or NUL-containing program (code-judge would run it).

    A blank Python program prints nothing and exits 0; blank C++ does not compile; CPython and
    g++ both refuse source with NUL bytes.
    """
    blank = not sub.solution.strip()
    if not blank and "\x00" not in sub.solution:
        return None
    if blank and sub.type == "python":
        expected = sub.expected_output
        ok = expected is None or not expected.split()
        return RunResult(sub_id=sub_id, success=ok, run_success=True, cost=0.0, stdout="", stderr="")
    message = "source contains a NUL byte" if "\x00" in sub.solution else "empty program"
    return RunResult(sub_id=sub_id, success=False, run_success=False, cost=0.0, stdout="", stderr=message)


def to_submission(
    sub: CJSubmission, *, time_s: float, memory_mb: int, with_output: bool, priority: Priority
) -> Submission:
    return Submission(
        language=LANGUAGES[sub.type],
        source=sub.solution,
        tests=[StdioTest(input=sub.input or "", expected=sub.expected_output)],
        limits=Limits(time_s=time_s, memory_mb=memory_mb),
        checker=TokensChecker(),
        output=OutputMode.all if with_output else OutputMode.none,
        output_cap_bytes=RUN_OUTPUT_CAP_BYTES if with_output else 0,
        priority=priority,
    )


def to_result(result: SubmissionResult | None, sub_id: str) -> RunResult:
    """code-judge's reading of our verdict; None means no verdict arrived within the wait."""
    if result is None:
        return RunResult(sub_id=sub_id, success=False, run_success=False, cost=0.0, reason="queue_timeout")
    if result.verdict is Verdict.SE:
        return RunResult(
            sub_id=sub_id,
            success=False,
            run_success=False,
            cost=0.0,
            reason="internal_error",
            stderr=result.message,
        )
    if result.verdict is Verdict.CE:
        output = result.compile.output if result.compile is not None else result.message
        return RunResult(sub_id=sub_id, success=False, run_success=False, cost=0.0, stdout="", stderr=output)
    test = result.tests[0] if result.tests else None
    verdict = test.verdict if test is not None else result.verdict
    if verdict is Verdict.SE:
        return RunResult(sub_id=sub_id, success=False, run_success=False, cost=0.0, reason="internal_error")
    return RunResult(
        sub_id=sub_id,
        success=verdict is Verdict.AC,
        run_success=verdict in (Verdict.AC, Verdict.WA, Verdict.PE),
        cost=test.wall_s if test is not None else 0.0,
        reason="worker_timeout" if verdict is Verdict.TLE else "",
        stdout=test.stdout if test is not None else None,
        stderr=test.stderr if test is not None else None,
    )
