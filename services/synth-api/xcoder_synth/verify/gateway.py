"""The only door to code execution: model-written programs go to the judge, never run here.

Builds judge submissions (one per program, one stdio test per input, outputs returned) and
turns results into a program × input matrix of outcomes. Submission ids are content hashes, so
a resumed run finds the judge's stored results instead of paying again. Judge failures raise
:class:`~xcoder_synth.errors.JudgeUnavailable`; they are never read as wrong answers.
"""

from __future__ import annotations

import time
from typing import Any

from pydantic import BaseModel, Field
from xcoder_client import AsyncJudgeClient, JudgeError, Submission, SubmissionResult
from xcoder_client.testcases import TestSuite, build_submission
from xcoder_wire.schemas import Limits as ClientLimits

from xcoder_synth.errors import JudgeUnavailable
from xcoder_synth.ids import digest
from xcoder_synth.meters import JudgeMeter

LANGUAGE = "python3"
"""The language of SynthSmith's own programs (generators, validators, harnesses) unless told."""


class ExecLimits(BaseModel):
    """Per-test limits: CPU time is the limit, wall time a backstop (synthsmith.md gap 14)."""

    time_s: float = Field(10.0, gt=0, le=60)
    memory_mb: int = Field(1024, ge=16, le=16384)

    def client(self) -> ClientLimits:
        return ClientLimits(time_s=self.time_s, memory_mb=self.memory_mb)


class RunOutcome(BaseModel):
    """One program on one input. ``verdict`` AC means it exited 0 within the limits."""

    verdict: str
    stdout: str | None = None
    stderr: str | None = None
    truncated: bool = False
    time_s: float = 0.0
    message: str = ""

    @property
    def ran(self) -> bool:
        return self.verdict == "AC" and not self.truncated and self.stdout is not None


class JudgeGateway:
    def __init__(
        self, *, url: str, api_key: str | None = None, max_concurrency: int = 8, timeout_s: float = 3600.0
    ) -> None:
        self.url = url
        self._timeout_s = timeout_s
        self._client = AsyncJudgeClient(
            url, api_key=api_key, max_concurrency=max_concurrency, timeout=timeout_s
        )
        self.meter = JudgeMeter()

    async def aclose(self) -> None:
        await self._client.aclose()

    async def _judge(self, submissions: list[Submission]) -> list[SubmissionResult]:
        self.meter.calls += 1
        self.meter.submissions += len(submissions)
        started = time.monotonic()
        try:
            try:
                results = await self._client.judge(submissions, on_error="raise", timeout=self._timeout_s)
            except JudgeError as exc:
                raise JudgeUnavailable(f"judge at {self.url}: {exc}") from exc
            for r in results:
                if r.verdict.value == "SE" or any(t.verdict.value == "SE" for t in r.tests):
                    raise JudgeUnavailable(f"judge at {self.url}: system error on {r.id}: {r.message}")
        except JudgeUnavailable:
            self.meter.failures += 1
            raise
        finally:
            self.meter.latency.observe(time.monotonic() - started)
        return results

    async def run(
        self,
        programs: list[str],
        inputs: list[str],
        *,
        limits: ExecLimits,
        output_cap_bytes: int,
        tag: str,
        languages: list[str] | None = None,
    ) -> list[list[RunOutcome]]:
        """Outcomes ``[program][input]``; every program runs on every input.

        ``languages[p]`` is program p's judge language id (default: all Python 3).
        """
        if not programs or not inputs:
            return [[] for _ in programs]
        langs = languages if languages is not None else [LANGUAGE] * len(programs)
        if len(langs) != len(programs):
            raise ValueError(f"{len(langs)} languages for {len(programs)} programs")
        tests = [{"kind": "stdio", "input": data, "expected": None} for data in inputs]
        submissions = []
        for source, language in zip(programs, langs, strict=True):
            parts: list[object] = [source, inputs, limits.model_dump(), output_cap_bytes]
            if language != LANGUAGE:
                parts.append(language)  # Python ids stay as before: resumed runs find their results
            key = digest(parts)[:40]
            submissions.append(
                Submission(
                    id=f"synth-{tag}-{key}"[:128],
                    language=language,
                    source=source,
                    tests=tests,
                    limits=limits.client(),
                    output="all",
                    output_cap_bytes=output_cap_bytes,
                    priority="bulk",
                )
            )
        results = await self._judge(submissions)
        matrix: list[list[RunOutcome]] = []
        for result in results:
            row: list[RunOutcome] = []
            by_index = {t.index: t for t in result.tests}
            for i in range(len(inputs)):
                t = by_index.get(i)
                if t is None:
                    # A compile error or an early stop leaves tests without a result: the program did not run.
                    row.append(RunOutcome(verdict=result.verdict.value, message=result.message or "not run"))
                    continue
                row.append(
                    RunOutcome(
                        verdict=t.verdict.value,
                        stdout=t.stdout,
                        stderr=t.stderr,
                        truncated=bool(t.stdout_truncated),
                        time_s=t.time_s,
                        message=t.message,
                    )
                )
            matrix.append(row)
        return matrix

    async def accepts(
        self,
        items: list[tuple[str, str, list[str]]],
        *,
        checker: dict[str, Any],
        limits: ExecLimits,
        tag: str,
    ) -> list[list[bool]]:
        """For each (input, output, references): does the checker accept ``output`` on ``input``
        with each reference as the answer? The output is printed by a one-line program of ours
        (the candidate is not run again); the checker runs in the judge."""
        if not items:
            return []
        submissions = []
        for data, output, refs in items:
            source = f"import sys\n\nsys.stdin.read()\nsys.stdout.write({output!r})\n"
            tests = [{"kind": "stdio", "input": data, "expected": r} for r in refs]
            key = digest([source, data, refs, checker, limits.model_dump()])[:40]
            submissions.append(
                Submission(
                    id=f"synth-{tag}-{key}"[:128],
                    language=LANGUAGE,
                    source=source,
                    tests=tests,
                    checker=checker,
                    limits=limits.client(),
                    priority="bulk",
                )
            )
        results = await self._judge(submissions)
        out: list[list[bool]] = []
        for (_, _, refs), result in zip(items, results, strict=True):
            by_index = {t.index: t for t in result.tests}
            out.append([i in by_index and by_index[i].verdict.value == "AC" for i in range(len(refs))])
        return out

    async def judge_suite(
        self,
        code: str,
        suite: TestSuite,
        *,
        checker: dict[str, Any],
        limits: ExecLimits,
        tag: str,
        language: str = LANGUAGE,
    ) -> SubmissionResult:
        """Judge ``code`` on ``suite`` exactly as the clients will (the RL reward's path)."""
        parts: list[object] = [code, suite.digest(), checker, limits.model_dump()]
        if language != LANGUAGE:
            parts.append(language)
        key = digest(parts)[:40]
        sub = build_submission(
            code,
            suite,
            language=language,
            limits=limits.client(),
            checker=checker,
            priority="bulk",
            submission_id=f"synth-{tag}-{key}"[:128],
        )
        (result,) = await self._judge([sub])
        return result
