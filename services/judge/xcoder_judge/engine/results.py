"""A test's `TestResult` from its verdict and the solution's report, worker side.

The one place that decides what a result shows of the run (times, memory, exit status) and,
as the submission's `output` mode asks, of its streams.
"""

from __future__ import annotations

from xcoder_wire.schemas import OutputMode, Submission, TestResult, Verdict

from xcoder_judge.engine.sandbox.run_types import ProcReport


def result_for(
    sub: Submission, i: int, rep: ProcReport, verdict: Verdict, message: str, reason: str | None = None
) -> TestResult:
    r = TestResult(
        index=i,
        id=sub.tests[i].id,
        verdict=verdict,
        reason=reason,
        time_s=round(rep.cpu_s, 4),
        wall_s=round(rep.wall_s, 4),
        memory_kb=rep.mem_kb,
        exit_code=rep.exit_code,
        signal=rep.signal,
        message=message,
    )
    if sub.output == OutputMode.all or (sub.output == OutputMode.failed and verdict != Verdict.AC):
        cap = sub.output_cap_bytes
        r.stdout = rep.stdout[:cap].decode("utf-8", "replace")
        r.stderr = rep.stderr[:cap].decode("utf-8", "replace")
        r.stdout_truncated = rep.stdout_len > cap
        r.stderr_truncated = rep.stderr_len > cap
    return r


def not_run(sub: Submission, i: int, verdict: Verdict = Verdict.SK, message: str = "") -> TestResult:
    """A test that has no run: skipped (SK), or lost with its batch (SE)."""
    return TestResult(index=i, id=sub.tests[i].id, verdict=verdict, message=message)
