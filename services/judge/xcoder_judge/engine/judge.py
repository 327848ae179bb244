"""Judging one submission: compile once, run the tests across slots, check, give verdicts.

The steps read top-down in `Judge.judge`: resolve the language, build (or fetch) the program,
build the checker or interactor if there is one, split the tests into batches, run them, and
turn each run's report into a verdict. The judge's own failures become SE, never WA.
"""

from __future__ import annotations

import fnmatch
import json
import logging
import math
import signal
import threading
import time
import uuid
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path

from xcoder_wire import checkers
from xcoder_wire.admission import LanguageOffer, check_submission
from xcoder_wire.languages import resolve_alias
from xcoder_wire.schemas import (
    AssertTest,
    CallTest,
    CompileLimits,
    CompileResult,
    Limits,
    OutputMode,
    Priority,
    ProgramChecker,
    StdioTest,
    Submission,
    SubmissionResult,
    TestResult,
    Verdict,
)
from xcoder_wire.verdicts import overall_verdict

from xcoder_judge.engine.compile_cache import Artifact, CompileCache, cache_key
from xcoder_judge.engine.languages import Toolchain, linkers
from xcoder_judge.engine.program_checker import (
    CHECKER_ERROR,
    KATTIS_RESULT_FD,
    KATTIS_STATE_FD,
    checker_failed,
    feedback_files,
    feedback_tar,
    interactor_argv,
    kattis_argv,
    kattis_signal,
    kattis_verdict,
    program_verdict,
    solution_ended_first,
)
from xcoder_judge.engine.sandbox import protocol, pyvalues
from xcoder_judge.engine.sandbox.run_types import Proc, ProcLimits, ProcReport, RunRequest, RunResult
from xcoder_judge.engine.sandbox.sandbox import Sandbox
from xcoder_judge.engine.sandbox.scheduling import Flow
from xcoder_judge.engine.sandbox.slot import SlotError
from xcoder_judge.engine.settings import EngineSettings

log = logging.getLogger(__name__)

MiB = 1 << 20
SANDBOX_DIR = Path(__file__).parent / "sandbox"
# The candidate side of call and assert tests, shipped with every Python program it runs.
HARNESS_FILES = {name: (SANDBOX_DIR / name).read_bytes() for name in ("pyrunner.py", "pyvalues.py")}
MAX_BATCH = 8
COMPILE_OUTPUT_CAP = 16 << 10
CHECKER_LIMITS = Limits(time_s=10, memory_mb=1024, output_mb=16)
TESTER_MIN_MEMORY_MB = 512  # the assert tester decodes the program's values (pyvalues caps a reply at 64 MiB)


@dataclass
class Program:
    """A built program and how to start it."""

    toolchain: Toolchain
    artifact: Artifact

    @property
    def language(self):
        return self.toolchain.language


# HotSpot refuses a thread stack over 1 GiB (-Xss2048m: "exceeds the maximum representable size"),
# and the stack defaults to the memory limit: without the cap every JVM program under a memory
# limit over 1 GiB would fail to start (RE).
JVM_MAX_STACK_MB = 1024


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
                CompileLimits(),
                flow,
            )
            if checker is None:
                raise SubmissionRejected("checker", cres.output[:COMPILE_OUTPUT_CAP])
        if sub.interactor is not None:
            interactor, ires = self._build(
                self.toolchain(sub.interactor.language),
                sub.interactor.source,
                sub.interactor.files,
                CompileLimits(),
                flow,
            )
            if interactor is None:
                raise SubmissionRejected("interactor", ires.output[:COMPILE_OUTPUT_CAP])
        if sub.passes > 1:
            results = self._run_multipass(sub, program, checker, interactor, flow, cancel)
        else:
            results = self._run_tests(sub, program, checker, interactor, flow, cancel)
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
        lang = tc.language
        name = lang.file_name(source)
        clash = taken_file_name(tc, source, files)
        if clash:  # it cannot be built (for a checker or interactor: the submission is refused)
            return None, CompileResult(ok=False, output=clash)
        use_pch = self.settings.pch and lang.id in self.pch_ready
        template = tuple(p for p in (lang.compile or ()) if use_pch or not p.startswith("-I/pch"))
        if lang.links:
            template += linkers.ARGS[self.linker]
        key = cache_key(
            "v1", lang.id, tc.version, tc.tools, template, lang.compiles, name, source, sorted(files.items()),
            b"".join(HARNESS_FILES.values()) if lang.python_harness else b"", self.settings.python_warm,
        )  # fmt: skip
        started = time.monotonic()
        art = self.cache.get_or_build(
            key, lambda: self._compile(tc, key, name, source, files, template, limits, flow)
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

    def _compile(
        self,
        tc: Toolchain,
        key: str,
        name: str,
        source: str,
        files: dict[str, str],
        template: tuple[str, ...],
        limits: CompileLimits,
        flow: Flow,
    ) -> Artifact:
        lang = tc.language
        files_in = {fname: text.encode() for fname, text in files.items()}
        files_in[name] = source.encode()
        plimits = ProcLimits(
            cpu=limits.time_s,
            wall=limits.time_s * 2 + 5,
            mem=limits.memory_mb * MiB,
            stack=64 * MiB,
            fsize=256 * MiB,
            nofile=512,
            nproc=lang.compile_processes,
            output=16 * MiB,
            stdout_keep=COMPILE_OUTPUT_CAP,
            stderr_keep=COMPILE_OUTPUT_CAP,
        )
        if lang.python_harness:
            files_in.update(HARNESS_FILES)
        if lang.warm:
            proc = Proc(
                limits=plimits,
                kind="py",
                py_mode="compile",
                py_path=f"/box/{name}",
                compile_as=f"/prog/{name}",
            )
            collect = [name, name + "c", *HARNESS_FILES]
        else:
            argv = tc.fill(template, sources=(name, *lang.compiled_with(files)), source=name)
            proc = Proc(limits=plimits, argv=argv, env=dict(lang.compile_env))
            collect = list(lang.artifacts)
        if lang.runs_from_source:  # an interpreter reads the other files at run time
            collect += sorted(files)
        started = time.monotonic()
        try:
            res = self.sandbox.run(RunRequest([[proc]], files_in=files_in, collect=collect), flow, "compile")
        except SlotError as e:
            return Artifact(key, False, str(e), 0.0, False, {"system_error": True})  # not cached
        elapsed = time.monotonic() - started
        rep = res.reports[0][0]
        output = (rep.stderr + rep.stdout).decode("utf-8", "replace")[:COMPILE_OUTPUT_CAP]
        if rep.setup_error:
            return Artifact(key, False, rep.setup_error, 0.0, False, {"system_error": True})
        reason = None
        if rep.killed_for in protocol.TIME_KILLS or rep.cpu_s > limits.time_s:
            reason = f"compilation exceeded the time limit ({limits.time_s:g} s)"
        elif rep.oom:
            reason = f"compilation exceeded the memory limit ({limits.memory_mb} MiB)"
        elif rep.killed_for in protocol.OUTPUT_KILLS:
            reason = "compiler output exceeded its limit"
        elif rep.exit_code != 0 or rep.signal is not None:
            reason = ""
        elif not res.files:
            reason = "the compiler produced no program"
        if reason is not None:
            text = (reason + "\n" + output).strip() if reason else output.strip() or "compilation failed"
            return self.cache.put(key, ok=False, output=text, time_s=elapsed, files={})
        # What went in comes back as it went in: a check step that runs code (`perl -c` runs
        # BEGIN blocks) must not rewrite the program it checked, e.g. to embed work done there.
        kept = {n: (files_in[n], 0o644) for n in files_in if any(fnmatch.fnmatchcase(n, g) for g in collect)}
        files = {**res.files, **kept}
        meta = {}
        if lang.entry_class:
            meta["main_class"] = lang.entry_class(source)
        return self.cache.put(key, ok=True, output=output, time_s=elapsed, files=files, meta=meta)

    # ------------------------------------------------------------------ running

    def _run_tests(
        self,
        sub: Submission,
        program: Program,
        checker: Program | None,
        interactor: Program | None,
        flow: Flow,
        cancel: threading.Event | None,
    ) -> list[TestResult]:
        n = len(sub.tests)
        size = max(1, min(MAX_BATCH, math.ceil(n / max(1, self.sandbox.slots_total))))
        batches = [list(range(i, min(n, i + size))) for i in range(0, n, size)]
        progs = {"/prog": program.artifact.key, "/aux": interactor.artifact.key if interactor else None}
        futures: list[tuple[list[int], Future[RunResult]]] = []
        for idx in batches:
            runs = [self._runs_for(sub, sub.tests[i], program, interactor) for i in idx]
            req = RunRequest(runs, progs=progs, stop_on_failure=sub.stop_on_first_failure)
            futures.append((idx, self.sandbox.submit(req, flow)))
        results: dict[int, TestResult] = {}
        stop = False
        for idx, fut in futures:
            if stop or (cancel is not None and cancel.is_set()):
                fut.cancel()
            if fut.cancelled():
                for i in idx:
                    results[i] = TestResult(index=i, id=sub.tests[i].id, verdict=Verdict.SK)
                continue
            try:
                res = fut.result()
            except SlotError as e:
                for i in idx:
                    results[i] = TestResult(index=i, id=sub.tests[i].id, verdict=Verdict.SE, message=str(e))
                continue
            outcome = self._evaluate(sub, idx, res, checker, flow)
            results.update(outcome)
            if sub.stop_on_first_failure and any(r.verdict != Verdict.AC for r in outcome.values()):
                stop = True
        for i in range(n):
            if i not in results:  # stopped early inside a batch
                results[i] = TestResult(index=i, id=sub.tests[i].id, verdict=Verdict.SK)
        ordered = [results[i] for i in range(n)]
        if sub.stop_on_first_failure:
            # Batches run in parallel, so later tests may have run; the contract is that
            # everything after the first failure is skipped.
            first = next((r.index for r in ordered if r.verdict not in (Verdict.AC, Verdict.SK)), n)
            for r in ordered[first + 1 :]:
                ordered[r.index] = TestResult(index=r.index, id=r.id, verdict=Verdict.SK)
        return ordered

    def _run_multipass(
        self,
        sub: Submission,
        program: Program,
        checker: Program | None,
        interactor: Program | None,
        flow: Flow,
        cancel: threading.Event | None,
    ) -> list[TestResult]:
        """Multi-pass problems, test by test: after an accepted pass the validator's
        nextpass.in is the next pass's input, and its feedback directory carries over (as
        problemtools runs them). No verdict after `passes` passes is the validator's failure."""
        results: list[TestResult] = []
        failed = False
        for i, test in enumerate(sub.tests):
            if failed or (cancel is not None and cancel.is_set()):
                results.append(TestResult(index=i, id=test.id, verdict=Verdict.SK))
                continue
            r = self._multipass_test(sub, i, program, checker, interactor, flow)
            results.append(r)
            failed = sub.stop_on_first_failure and r.verdict != Verdict.AC
        return results

    def _multipass_test(
        self,
        sub: Submission,
        i: int,
        program: Program,
        checker: Program | None,
        interactor: Program | None,
        flow: Flow,
    ) -> TestResult:
        test = sub.tests[i]
        assert isinstance(test, StdioTest)
        state: dict[str, bytes] = {}
        current = test
        slowest: TestResult | None = None
        for n in range(1, sub.passes + 1):
            try:
                o, rep, files = self._one_pass(sub, current, state, program, checker, interactor, flow)
            except SlotError as e:
                return TestResult(index=i, id=test.id, verdict=Verdict.SE, message=f"pass {n}: {e}")
            r = self._test_result(sub, i, rep, o.verdict, f"pass {n}: {o.message}".rstrip(": "), o.reason)
            if slowest is not None and slowest.time_s > r.time_s:
                r.time_s, r.wall_s = slowest.time_s, max(slowest.wall_s, r.wall_s)
            slowest = r
            if o.verdict != Verdict.AC:
                if "nextpass.in" in files:
                    o = checker_failed("wrote nextpass.in without accepting")
                    r.verdict, r.reason = o.verdict, o.reason
                    r.message = f"pass {n}: {o.message}"
                return r
            if "nextpass.in" not in files:
                return r
            nxt = files.pop("nextpass.in").decode("utf-8", "replace")
            current = test.model_copy(update={"input": nxt})
            state = files
        o = checker_failed(f"no verdict within {sub.passes} passes")
        assert slowest is not None
        slowest.verdict, slowest.reason, slowest.message = o.verdict, o.reason, o.message
        return slowest

    def _one_pass(
        self,
        sub: Submission,
        test: StdioTest,
        state: dict[str, bytes],
        program: Program,
        checker: Program | None,
        interactor: Program | None,
        flow: Flow,
    ) -> tuple[checkers.CheckOutcome, ProcReport, dict[str, bytes]]:
        """One pass of one test: the run, the validator's outcome and its feedback files."""
        progs = {"/prog": program.artifact.key, "/aux": interactor.artifact.key if interactor else None}
        runs = self._runs_for(sub, test, program, interactor)
        if interactor is not None:
            runs[1].fds_in[KATTIS_STATE_FD] = feedback_tar(state)
        res = self.sandbox.run(RunRequest([runs], progs=progs), flow)
        reports = res.reports[0]
        sol = reports[0]
        mle_markers = self.toolchain(sub.language).language.mle_markers
        verdict, message = run_verdict(sol, sub.limits, test, mle_markers)
        if interactor is not None:
            assert sub.interactor is not None
            o = interactive_verdict(verdict, message, sol, reports[1], sub.interactor.protocol)
            return o, sol, feedback_files(reports[1].result)
        if verdict is not None:
            return checkers.CheckOutcome(verdict, message), sol, {}
        assert checker is not None and isinstance(sub.checker, ProgramChecker)
        tc = checker.toolchain
        argv = tc.fill(tc.language.run, prog="/prog", **self._run_values(CHECKER_LIMITS, checker))
        proc = Proc(
            limits=self._limits(CHECKER_LIMITS, 64 << 10),
            argv=kattis_argv(argv, sub.checker.flags),
            stdin=sol.stdout,
            fds_in={
                3: test.input.encode(),
                4: (test.expected or "").encode(),
                KATTIS_STATE_FD: feedback_tar(state),
            },
            result_fd=KATTIS_RESULT_FD,
            uid="aux",
            env=dict(tc.language.env),
        )
        cres = self.sandbox.run(
            RunRequest([[proc]], progs={"/prog": checker.artifact.key, "/aux": None}), flow
        )
        crep = cres.reports[0][0]
        text = crep.stderr.decode("utf-8", "replace").strip()[:500]
        if crep.setup_error:
            return (
                checkers.CheckOutcome(
                    Verdict.SE, f"sandbox set-up failed for the checker: {crep.setup_error}"
                ),
                sol,
                {},
            )
        if crep.killed_for or crep.oom:
            return checker_failed(f"{crep.killed_for or 'memory'} limit"), sol, {}
        return kattis_verdict(crep.exit_code, crep.signal, text), sol, feedback_files(crep.result)

    def _limits(self, limits: Limits, output_cap: int) -> ProcLimits:
        out = int(limits.output_mb * MiB)
        return ProcLimits(
            cpu=limits.time_s,
            wall=limits.effective_wall_s,
            mem=limits.memory_mb * MiB,
            stack=limits.effective_stack_mb * MiB,
            fsize=int(limits.file_size_mb * MiB),
            nofile=limits.open_files,
            nproc=limits.processes,
            output=out,
            stdout_keep=out,
            stderr_keep=max(64 << 10, min(out, output_cap)),
        )

    def _solution_proc(self, sub: Submission, test, program: Program, prog: str = "/prog") -> Proc:
        tc, lang = program.toolchain, program.language
        limits = self._limits(sub.limits, sub.output_cap_bytes)
        harness = None if isinstance(test, StdioTest) else test.kind
        fds_in: dict[int, bytes] = {}
        common: dict = {"limits": limits, "fds_in": fds_in}
        if isinstance(test, CallTest):
            fds_in[3] = json.dumps(
                {"fn_name": sub.fn_name, "args": test.args, "kwargs": test.kwargs}
            ).encode()
            common["result_fd"] = 4
        elif isinstance(test, AssertTest):
            common["pipes_to"] = {4: (1, 5)}  # replies to the tester (see _tester_proc)
        common["stdin"] = test.input.encode() if isinstance(test, StdioTest) else b""
        if lang.warm and self.settings.python_warm:
            return Proc(
                kind="py", py_path=f"{prog}/solution.py", harness=harness, env=dict(lang.env), **common
            )
        if harness:
            interp = tc.tools.get("python") or tc.tools["pypy"]
            argv = [interp, f"{prog}/pyrunner.py", harness, f"{prog}/solution.py"]
        else:
            argv = tc.fill(lang.run, prog=prog, **self._run_values(sub.limits, program))
        return Proc(argv=argv, env=dict(lang.env), **common)

    @staticmethod
    def _run_values(limits: Limits, program: Program) -> dict[str, object]:
        mem, stack = limits.memory_mb, limits.effective_stack_mb
        return {
            "heap_mb": max(32, int(mem * 0.8) - 32),
            "stack_mb": stack,
            "jvm_stack_mb": min(stack, JVM_MAX_STACK_MB),
            "node_stack_kb": max(984, min(stack * 1024 - 2048, 1 << 20)),
            "main_class": program.artifact.meta.get("main_class", "Main"),
        }

    def _runs_for(self, sub: Submission, test, program: Program, interactor: Program | None) -> list[Proc]:
        sol = self._solution_proc(sub, test, program)
        if isinstance(test, AssertTest):
            return [sol, self._tester_proc(sub, test)]
        if interactor is None:
            return [sol]
        sol.stdin = None
        sol.capture_stdout = False
        itc = interactor.toolchain
        argv = itc.fill(itc.language.run, prog="/aux", **self._run_values(sub.limits, interactor))
        expected = (test.expected or "").encode()
        inter = Proc(
            limits=self._limits(sub.limits, sub.output_cap_bytes),
            argv=[*argv, "/proc/self/fd/3", "/proc/self/fd/4"],
            fds_in={3: test.input.encode(), 4: expected},
            capture_stdout=False,
            uid="aux",
            cgroup="aux",
            env=dict(itc.language.env),
        )
        assert sub.interactor is not None
        inter.argv = interactor_argv(argv, sub.interactor.protocol, sub.interactor.flags)
        inter.result_fd = KATTIS_RESULT_FD
        return [sol, inter]

    def _tester_proc(self, sub: Submission, test: AssertTest) -> Proc:
        """The process that runs an assert test's code, beside the candidate (pytester.py).

        It is forked from the box's own interpreter and runs as the aux uid in the aux cgroup:
        the candidate cannot reach its memory, its spec (fd 3) or its verdict (fd 4). It calls
        the candidate over fds 5 and 6, wired to the candidate's 4 and 3.
        """
        limits = sub.limits.model_copy(
            update={
                "memory_mb": max(TESTER_MIN_MEMORY_MB, sub.limits.memory_mb),
                "output_mb": 1,
                "processes": 4,
            }
        )
        spec = {"code": test.code, "entry_point": test.entry_point}
        return Proc(
            limits=self._limits(limits, 64 << 10),
            kind="py",
            py_mode="tester",
            fds_in={3: json.dumps(spec).encode()},
            result_fd=4,
            pipes_to={6: (0, 3)},
            capture_stdout=False,
            uid="aux",
            cgroup="aux",
        )

    # ------------------------------------------------------------------ verdicts

    def _evaluate(
        self, sub: Submission, idx: list[int], res: RunResult, checker: Program | None, flow: Flow
    ) -> dict[int, TestResult]:
        out: dict[int, TestResult] = {}
        to_check: list[tuple[int, ProcReport]] = []
        mle_markers = self.toolchain(sub.language).language.mle_markers
        for i, reports in zip(idx, res.reports, strict=False):
            test = sub.tests[i]
            sol = reports[0]
            verdict, message = run_verdict(sol, sub.limits, sub.tests[i], mle_markers)
            if isinstance(test, AssertTest):
                o = assert_verdict(verdict, message, sol, reports[1])
                out[i] = self._test_result(sub, i, sol, o.verdict, o.message, o.reason)
                continue
            if len(reports) == 2:
                protocol = sub.interactor.protocol if sub.interactor is not None else "testlib"
                o = interactive_verdict(verdict, message, sol, reports[1], protocol)
                out[i] = self._test_result(sub, i, sol, o.verdict, o.message, o.reason)
                continue
            if verdict is None:
                if checker is not None and isinstance(test, StdioTest) and test.expected is not None:
                    to_check.append((i, sol))
                    continue
                verdict, message = self._check(sub, test, sol)
            out[i] = self._test_result(sub, i, sol, verdict, message)
        if to_check and checker is not None:
            out.update(self._run_checker(sub, to_check, checker, flow))
        return out

    def _check(self, sub: Submission, test, rep: ProcReport) -> tuple[Verdict, str]:
        if isinstance(test, StdioTest):
            if test.expected is None:
                return Verdict.AC, ""
            o = checkers.compare(sub.checker, rep.stdout, test.expected.encode())
            return o.verdict, o.message
        value, problem = call_value(rep.result)
        if problem:
            return Verdict.WA, problem
        o = checkers.values.check(value, test.expected, checkers.value_tolerance(sub.checker))
        return o.verdict, o.message

    def _run_checker(
        self, sub: Submission, items: list[tuple[int, ProcReport]], checker: Program, flow: Flow
    ) -> dict[int, TestResult]:
        tc = checker.toolchain
        argv = tc.fill(tc.language.run, prog="/prog", **self._run_values(CHECKER_LIMITS, checker))
        assert isinstance(sub.checker, ProgramChecker)
        kattis = sub.checker.protocol == "kattis"
        runs = []
        for i, rep in items:
            test = sub.tests[i]
            answer = (test.expected or "").encode()
            proc = Proc(
                limits=self._limits(CHECKER_LIMITS, 64 << 10),
                argv=[*argv, "/proc/self/fd/3", "/proc/self/fd/4", "/proc/self/fd/5"],
                fds_in={3: test.input.encode(), 4: rep.stdout, 5: answer},
                uid="aux",
                env=dict(tc.language.env),
            )
            if kattis:  # input on fd 3, answer on fd 4, the output on stdin (program_checker.py)
                proc.argv = kattis_argv(argv, sub.checker.flags)
                proc.fds_in = {3: test.input.encode(), 4: answer}
                proc.stdin = rep.stdout
                proc.result_fd = KATTIS_RESULT_FD
            runs.append([proc])
        out: dict[int, TestResult] = {}
        try:
            res = self.sandbox.run(
                RunRequest(runs, progs={"/prog": checker.artifact.key, "/aux": None}), flow
            )
        except SlotError as e:
            return {i: self._test_result(sub, i, rep, Verdict.SE, f"checker: {e}") for i, rep in items}
        for (i, rep), reports in zip(items, res.reports, strict=False):
            crep = reports[0]
            message = (crep.stderr or crep.stdout).decode("utf-8", "replace").strip()[:500]
            if crep.setup_error:
                o = checkers.CheckOutcome(
                    Verdict.SE, f"sandbox set-up failed for the checker: {crep.setup_error}"
                )
            elif crep.killed_for or crep.oom:
                o = checker_failed(f"{crep.killed_for or 'memory'} limit")
            else:
                o = (kattis_verdict if kattis else program_verdict)(crep.exit_code, crep.signal, message)
            out[i] = self._test_result(sub, i, rep, o.verdict, o.message, o.reason)
        for i, rep in items:
            out.setdefault(i, self._test_result(sub, i, rep, Verdict.SE, "checker did not run"))
        return out

    @staticmethod
    def _test_result(
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


def taken_file_name(tc: Toolchain, source: str, files: dict[str, str]) -> str:
    """Why an extra file cannot be placed (it would replace the main source, the Python harness
    or something the build produces), or "". The submission is then a CE: it cannot be built."""
    lang = tc.language
    main = lang.file_name(source)
    taken = {main, main + "c", *(HARNESS_FILES if lang.python_harness else ())}
    for fname in sorted(files):
        if fname in taken or lang.reserved(fname):
            return (
                f"files: {fname!r} is a name the {lang.id} build uses itself"
                f" (the main source is {main}); rename the file"
            )
    return ""


def signal_name(sig: int) -> str:
    try:
        return signal.Signals(sig).name
    except ValueError:
        return f"signal {sig}"


def run_verdict(
    rep: ProcReport, limits: Limits, test, mle_markers: tuple[bytes, ...]
) -> tuple[Verdict | None, str]:
    """The verdict a run earns before any checker looks at it; None when it ran cleanly.

    Precedence as isolate checks it: time first, then memory, output, and runtime errors.
    """
    if rep.setup_error:
        return Verdict.SE, f"sandbox set-up failed: {rep.setup_error}"
    if rep.killed_for == protocol.KILLED_WALL:
        return Verdict.TLE, f"wall-clock limit exceeded ({limits.effective_wall_s:g} s)"
    if rep.killed_for == protocol.KILLED_CPU or rep.cpu_s > limits.time_s:
        return Verdict.TLE, f"time limit exceeded ({limits.time_s:g} s CPU)"
    if rep.oom:
        return Verdict.MLE, f"memory limit exceeded ({limits.memory_mb} MiB)"
    if rep.killed_for in protocol.OUTPUT_KILLS:
        stream = protocol.STREAM_OF_KILL[rep.killed_for]
        return Verdict.OLE, f"output limit exceeded ({limits.output_mb:g} MiB on {stream})"
    if rep.signal == signal.SIGXFSZ:
        return Verdict.OLE, f"file size limit exceeded ({limits.file_size_mb:g} MiB)"
    if rep.signal is not None:
        return Verdict.RE, f"killed by {signal_name(rep.signal)}"
    if rep.exit_code != 0:
        if any(m in rep.stderr for m in mle_markers):
            return (
                Verdict.MLE,
                f"memory limit exceeded ({limits.memory_mb} MiB): the runtime ran out of memory",
            )
        return Verdict.RE, f"exit code {rep.exit_code}"
    return None, ""


def interactive_verdict(
    sol: Verdict | None,
    sol_message: str,
    sol_rep: ProcReport,
    inter: ProcReport,
    protocol: str = "testlib",
) -> checkers.CheckOutcome:
    """Combine the solution's run with the interactor's decision as Kattis does: whichever
    process ends first decides. In this order (docs/problem-packages.md#interactive-verdicts):

    1. a sandbox failure of either process: SE;
    2. the run was stopped from outside (time, output) while the interactor still ran: the
       solution's limit verdict;
    3. the interactor failed (crash, its own limits, testlib "fail", an exit code its protocol
       does not define): WA with reason checker_error. Except a SIGPIPE after the solution
       ended: it wrote to a solution that had gone, so the solution is judged (its own
       verdict, else WA);
    4. the interactor ended first and rejected the answer: its WA or PE, whatever the solution
       did next (crashed on the closed pipe in any language, read end of input, spun until
       its time limit);
    5. the solution's own verdict: TLE, MLE, OLE, RE (also when it ended first and the
       interactor then rejected, and after an accepting interactor);
    6. the interactor's verdict: AC, WA or PE.
    """
    Outcome = checkers.CheckOutcome
    kattis = protocol == "kattis"
    message = inter.stderr.decode("utf-8", "replace").strip()[:500]
    if sol == Verdict.SE:
        return Outcome(sol, sol_message)
    if inter.setup_error:
        return Outcome(Verdict.SE, f"sandbox set-up failed for the interactor: {inter.setup_error}")
    exited = inter.exit_code is not None  # on its own: a process the run's kill ends has a signal
    if inter.killed_for and not exited and sol is not None:
        return Outcome(sol, sol_message)
    if inter.oom or (inter.killed_for and not exited):
        o = checker_failed(f"{inter.killed_for or 'memory'} limit: {message}".strip().rstrip(":"))
        return Outcome(o.verdict, f"interactor: {o.message}", o.reason)
    seen = solution_ended_first(feedback_files(inter.result))  # the wrapper's look, if any
    solution_first = seen if seen is not None else sol_rep.ended <= inter.ended
    died_of = kattis_signal(inter.exit_code, inter.signal)  # through the shell wrapper
    if died_of == signal.SIGPIPE and solution_first:
        if sol is not None:
            return Outcome(sol, sol_message)
        return Outcome(Verdict.WA, "the solution ended before the interaction did")
    o = (kattis_verdict if kattis else program_verdict)(inter.exit_code, inter.signal, message)
    if o.reason == CHECKER_ERROR:
        return Outcome(o.verdict, f"interactor: {o.message}", o.reason)
    if o.verdict != Verdict.AC and not solution_first:
        return Outcome(o.verdict, o.message or "the interactor rejected the answer")
    if sol is not None:
        return Outcome(sol, sol_message)
    if o.verdict != Verdict.AC:
        return Outcome(o.verdict, o.message or "the interactor rejected the answer")
    return Outcome(Verdict.AC)


def call_value(raw: bytes) -> tuple[object, str]:
    """A call test's value as JSON would hold it, or why there is none (the program's fault)."""
    if not raw:
        return None, "the program exited before the function returned"
    try:
        doc = pyvalues.loads(raw)
        if not isinstance(doc, dict):
            raise pyvalues.Malformed("not a result")
        if "error" in doc:
            return None, f"the function returned a non-value object: {str(doc['error'])[:300]}"
        value = pyvalues.from_tree(doc["value"])
    except (pyvalues.Malformed, KeyError) as e:
        return None, f"the program's result could not be read: {e}"
    try:
        return as_json(value), ""
    except ValueError as e:
        return None, f"the function returned {e}, which has no JSON form to compare with"


def as_json(value: object) -> object:
    """A plain value as `json.loads(json.dumps(value))` gives it: what call tests compare."""
    if isinstance(value, (list, tuple)):
        return [as_json(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return [as_json(v) for v in sorted(value, key=repr)]
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if isinstance(k, str):
                out[k] = as_json(v)
            elif k is None or isinstance(k, (bool, int, float)):
                out[json.dumps(k)] = as_json(v)
            else:
                raise ValueError(f"a dict with a {type(k).__name__} key")
        return out
    if isinstance(value, (bytes, bytearray)):
        raise ValueError("bytes")
    return value


Outcome = checkers.CheckOutcome


def assert_verdict(sol: Verdict | None, sol_message: str, sol_rep: ProcReport, tester: ProcReport) -> Outcome:
    """An assert test's verdict: from the tester's own report, never from the candidate's process.

    1. a sandbox failure of either process: SE;
    2. the candidate went over a limit: TLE, MLE, OLE (a tester over CPU shows here too: the
       run is killed as a whole);
    3. the tester could not finish (out of memory, crashed, no report): WA, `checker_error`;
    4. the tester's report: all asserts ran and held -> AC, unless the candidate then crashed
       on its own (RE); a failed assert, an exception, a non-value object -> WA; the candidate
       gone before or during the calls -> RE when it died of a signal or a non-zero status,
       else WA (it exited early, e.g. `os._exit(0)` before the asserts).
    """
    if sol == Verdict.SE:
        return Outcome(sol, sol_message)
    if tester.setup_error:
        return Outcome(Verdict.SE, f"sandbox set-up failed for the tester: {tester.setup_error}")
    if sol in (Verdict.TLE, Verdict.MLE, Verdict.OLE):
        return Outcome(sol, sol_message)
    if tester.killed_for in protocol.TIME_KILLS:
        return Outcome(Verdict.TLE, "the tests ran past the time limit")
    report = tester_report(tester.result)
    if report is None or tester.oom or tester.killed_for:
        what = "ran out of memory" if tester.oom else tester.killed_for or _ended(tester)
        return Outcome(Verdict.WA, f"the tester failed ({what})", CHECKER_ERROR)
    reason, message = report.get("reason"), str(report.get("message", ""))
    if report.get("passed") is True:
        return Outcome(sol, sol_message) if sol is not None else Outcome(Verdict.AC)
    if reason in ("exited", "not_ready") and sol == Verdict.RE:
        return Outcome(Verdict.RE, sol_message)
    if reason in ("tests_error", "tester_error"):
        return Outcome(Verdict.WA, message, CHECKER_ERROR)
    return Outcome(Verdict.WA, message or "the tests failed")


def tester_report(raw: bytes) -> dict | None:
    try:
        report = json.loads(raw) if raw else None
    except ValueError:
        return None
    return report if isinstance(report, dict) and isinstance(report.get("passed"), bool) else None


def _ended(rep: ProcReport) -> str:
    if rep.signal is not None:
        return f"killed by {signal_name(rep.signal)}"
    return f"exit code {rep.exit_code}, no report"
