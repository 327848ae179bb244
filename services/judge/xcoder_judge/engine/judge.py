"""Judging one submission: compile once, run the tests across slots, check, give verdicts.

The steps read top-down in `Judge.judge`: resolve the language, build (or fetch) the program,
build the checker or interactor if there is one, then hand the tests to their runner
(tests_run.py: batches over the slots; multipass.py: pass after pass) and sum up. The judge's
own failures become SE, never WA. What each step needs to know of a language it asks the
language (languages/base.py); a compile is planned and read in compile_plan.py.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid

from xcoder_wire.admission import LanguageOffer, check_submission
from xcoder_wire.languages import resolve_alias
from xcoder_wire.schemas import (
    CompileLimits,
    CompileResult,
    Priority,
    ProgramChecker,
    Submission,
    SubmissionResult,
    TestResult,
    Verdict,
)
from xcoder_wire.verdicts import overall_verdict

from xcoder_judge.engine.compile_cache import Artifact, CompileCache
from xcoder_judge.engine.compile_plan import (
    COMPILE_OUTPUT_CAP,
    CompilePlan,
    Program,
    limited_key,
    plan_compile,
    read_compile,
)
from xcoder_judge.engine.judging import Judging
from xcoder_judge.engine.languages import Toolchain, linkers
from xcoder_judge.engine.multipass import run_multipass
from xcoder_judge.engine.sandbox.sandbox import Sandbox
from xcoder_judge.engine.sandbox.scheduling import Flow
from xcoder_judge.engine.sandbox.slot import SlotError
from xcoder_judge.engine.settings import EngineSettings
from xcoder_judge.engine.tests_run import run_tests

log = logging.getLogger(__name__)


class SandboxFailure(RuntimeError):
    """The sandbox could not do its part (a compile could not run); the submission is SE."""


class SubmissionRejected(ValueError):
    """The submission's own checker or interactor does not compile: refused, never judged.

    No run of the program could be scored without it, and no retry can help; the caller
    answers 4xx with `compiler_output` (the worker records the job as rejected).
    """

    def __init__(self, field: str, compiler_output: str) -> None:
        super().__init__(f"{field} does not compile:\n{compiler_output}")
        self.field = field
        self.compiler_output = compiler_output


class Judge:
    """Judges submissions on one engine's slots: the languages this node found, the compile cache."""

    def __init__(
        self,
        settings: EngineSettings,
        sandbox: Sandbox,
        toolchains: dict[str, Toolchain],
        cache: CompileCache,
    ):
        self.settings = settings
        self.sandbox = sandbox
        self.toolchains = toolchains
        self.cache = cache
        self.pch_ready: set[str] = set()
        self.linker = linkers.pick(settings.linker)
        self._seq = 0
        self._seq_lock = threading.Lock()

    # ------------------------------------------------------------------ entry point

    def toolchain(self, name: str) -> Toolchain:
        """The toolchain of a language name `validate` has accepted."""
        lang_id = resolve_alias(name) or name
        return self.toolchains[lang_id]

    def offer(self) -> LanguageOffer:
        """What this node can judge now (the start-up self-test may have dropped languages)."""
        return LanguageOffer(
            languages=frozenset(self.toolchains),
            harness=frozenset(i for i, tc in self.toolchains.items() if tc.language.python_harness),
            where="this node offers",
        )

    def validate(self, sub: Submission) -> Toolchain:
        """Reject what this node cannot judge (SubmissionError, a ValueError naming the field)."""
        return self.toolchains[check_submission(sub, self.offer()).language]

    def judge(
        self, sub: Submission, cancel: threading.Event | None = None, caller: str | None = None
    ) -> SubmissionResult:
        tc = self.validate(sub)
        sub_id = sub.id or uuid.uuid4().hex
        flow = self._flow(sub, caller)
        try:
            return self._judge(sub, sub_id, tc, flow, cancel)
        except SubmissionRejected:
            raise
        except SandboxFailure as e:
            return self._all_se(
                sub,
                {"id": sub_id, "total": len(sub.tests), "language": tc.language.id, "compile": None},
                str(e),
            )
        except Exception as e:  # a bug or a dead sandbox: the judge failed, not the program
            log.exception("judging %s failed", sub_id)
            return SubmissionResult(
                id=sub_id,
                verdict=Verdict.SE,
                score=0.0,
                passed=0,
                total=len(sub.tests),
                language=tc.language.id,
                message=f"judge error: {type(e).__name__}: {e}",
            )

    def _flow(self, sub: Submission, caller: str | None) -> Flow:
        """What the slots' scheduler knows of this call: class, caller, arrival number."""
        with self._seq_lock:
            self._seq += 1
            seq = self._seq
        return Flow(rank=0 if sub.priority is Priority.interactive else 1, caller=caller, seq=seq)

    def _judge(
        self, sub: Submission, sub_id: str, tc: Toolchain, flow: Flow, cancel: threading.Event | None
    ) -> SubmissionResult:
        program, compile_result = self._build(tc, sub.source, sub.files, sub.compile_limits, flow)
        base = {"id": sub_id, "total": len(sub.tests), "language": tc.language.id, "compile": compile_result}
        if program is None:
            tests = [TestResult(index=i, id=t.id, verdict=Verdict.SK) for i, t in enumerate(sub.tests)]
            return SubmissionResult(
                verdict=Verdict.CE, score=0.0, passed=0, tests=tests, message="compilation error", **base
            )
        checker = interactor = None
        if isinstance(sub.checker, ProgramChecker):
            checker, cres = self._build(
                self.toolchain(sub.checker.language),
                sub.checker.source,
                sub.checker.files,
                sub.compile_limits,
                flow,
            )
            if checker is None:
                raise SubmissionRejected("checker", cres.output[:COMPILE_OUTPUT_CAP])
        if sub.interactor is not None:
            interactor, ires = self._build(
                self.toolchain(sub.interactor.language),
                sub.interactor.source,
                sub.interactor.files,
                sub.compile_limits,
                flow,
            )
            if interactor is None:
                raise SubmissionRejected("interactor", ires.output[:COMPILE_OUTPUT_CAP])
        j = Judging(sub, program, checker, interactor, self.sandbox, flow, self.settings.python_warm, cancel)
        results = run_multipass(j) if sub.passes > 1 else run_tests(j)
        passed = sum(1 for r in results if r.verdict == Verdict.AC)
        return SubmissionResult(
            verdict=overall_verdict(results),
            score=passed / len(results),
            passed=passed,
            tests=results,
            **base,
        )

    @staticmethod
    def _all_se(sub: Submission, base: dict, message: str) -> SubmissionResult:
        tests = [
            TestResult(index=i, id=t.id, verdict=Verdict.SE, message=message) for i, t in enumerate(sub.tests)
        ]
        return SubmissionResult(verdict=Verdict.SE, score=0.0, passed=0, tests=tests, message=message, **base)

    # ------------------------------------------------------------------ building

    def _build(
        self, tc: Toolchain, source: str, files: dict[str, str], limits: CompileLimits, flow: Flow
    ) -> tuple[Program | None, CompileResult]:
        """The built program (from the cache, or compiled now) and the compile's result."""
        clash = tc.language.taken_file_name(source, files)
        if clash:  # it cannot be built (for a checker or interactor: the submission is refused)
            return None, CompileResult(ok=False, output=clash)
        plan = self._plan(tc, source, files, limits)
        started = time.monotonic()
        art = (  # the program (or its compile error) first, then a limit failure under these limits
            self.cache.get(plan.key)
            or self.cache.get(limited_key(plan))
            or self.cache.get_or_build(plan.key, lambda: self._compile(plan, flow))
        )
        result = CompileResult(
            ok=art.ok,
            cached=art.cached,
            time_s=round(art.time_s if not art.cached else time.monotonic() - started, 4),
            output="" if art.meta.get("system_error") else art.output,
        )
        if art.meta.get("system_error"):
            raise SandboxFailure(f"the compiler could not be run: {art.output}")
        return (Program(tc, art) if art.ok else None), result

    def _plan(self, tc: Toolchain, source: str, files: dict[str, str], limits: CompileLimits) -> CompilePlan:
        """This node's plan for the build: with the PCH once it is built, with its linker."""
        use_pch = self.settings.pch and tc.language.id in self.pch_ready
        return plan_compile(
            tc, source, files, limits, pch=use_pch, linker=self.linker, python_warm=self.settings.python_warm
        )

    def _compile(self, plan: CompilePlan, flow: Flow) -> Artifact:
        """Run the plan in a slot; cache what it built (or its compile error). A sandbox
        failure is returned, not cached: the next submission tries again."""
        started = time.monotonic()
        try:
            res = self.sandbox.run(plan.request(), flow, "compile")
        except SlotError as e:
            return Artifact(plan.key, False, str(e), 0.0, False, {"system_error": True})
        elapsed = time.monotonic() - started
        got = read_compile(plan, res)
        if got.system_error:
            return Artifact(plan.key, False, got.output, 0.0, False, {"system_error": True})
        if got.limit == "wall":  # the node's load, not the program: the next request tries again
            return Artifact(plan.key, False, got.output, elapsed, False, {})
        key = limited_key(plan) if got.limit else plan.key
        return self.cache.put(
            key, ok=got.ok, output=got.output, time_s=elapsed, files=got.files, meta=got.meta
        )
