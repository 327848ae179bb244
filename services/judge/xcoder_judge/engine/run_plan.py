"""The processes one test runs as, worker side: the solution, and beside it the interactor, the
assert tester or (after it) the checker, each with its limits, descriptors, uid and cgroup.

Pure: builds `Proc`s from the submission and the built programs; the sandbox runs them.
Descriptor numbers are the contract with sandbox/pyrunner.py, pytester.py and
program_checker.py's wrapper.
"""

from __future__ import annotations

import json

from xcoder_wire.schemas import AnyTest, AssertTest, CallTest, Limits, ProgramChecker, StdioTest, Submission

from xcoder_judge.engine.compile_plan import MiB, Program
from xcoder_judge.engine.program_checker import (
    KATTIS_RESULT_FD,
    KATTIS_STATE_FD,
    interactor_argv,
    kattis_argv,
)
from xcoder_judge.engine.sandbox.run_types import Proc, ProcLimits

CHECKER_LIMITS = Limits(time_s=10, memory_mb=1024, output_mb=16)
CHECKER_OUTPUT_CAP = 64 << 10
TESTER_MIN_MEMORY_MB = 512  # the assert tester decodes the program's values (pyvalues caps a reply at 64 MiB)


def proc_limits(limits: Limits, output_cap: int) -> ProcLimits:
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


def program_argv(program: Program, prog: str, limits: Limits) -> list[str]:
    """How the program mounted at `prog` starts under `limits` (its language's run command)."""
    return program.toolchain.run_argv(
        prog, limits.memory_mb, limits.effective_stack_mb, program.artifact.meta
    )


def solution_proc(
    sub: Submission, test: AnyTest, program: Program, python_warm: bool, prog: str = "/prog"
) -> Proc:
    tc, lang = program.toolchain, program.language
    limits = proc_limits(sub.limits, sub.output_cap_bytes)
    harness = None if isinstance(test, StdioTest) else test.kind
    fds_in: dict[int, bytes] = {}
    common: dict = {"limits": limits, "fds_in": fds_in}
    if isinstance(test, CallTest):
        fds_in[3] = json.dumps({"fn_name": sub.fn_name, "args": test.args, "kwargs": test.kwargs}).encode()
        common["result_fd"] = 4
    elif isinstance(test, AssertTest):
        common["pipes_to"] = {4: (1, 5)}  # replies to the tester (see tester_proc)
    common["stdin"] = test.input.encode() if isinstance(test, StdioTest) else b""
    if lang.warm and python_warm:
        return Proc(
            kind="py", py_path=f"{prog}/{lang.source_file}", harness=harness, env=dict(lang.env), **common
        )
    argv = tc.harness_argv(prog, harness) if harness else program_argv(program, prog, sub.limits)
    return Proc(argv=argv, env=dict(lang.env), **common)


def runs_for(
    sub: Submission, test: AnyTest, program: Program, interactor: Program | None, python_warm: bool
) -> list[Proc]:
    """The processes of one test, wired: the solution first."""
    sol = solution_proc(sub, test, program, python_warm)
    if isinstance(test, AssertTest):
        return [sol, tester_proc(sub, test)]
    if interactor is None:
        return [sol]
    assert isinstance(test, StdioTest) and sub.interactor is not None
    sol.stdin = None
    sol.capture_stdout = False
    argv = program_argv(interactor, "/aux", sub.limits)
    inter = Proc(
        limits=proc_limits(sub.limits, sub.output_cap_bytes),
        argv=interactor_argv(argv, sub.interactor.protocol, sub.interactor.flags),
        fds_in={3: test.input.encode(), 4: (test.expected or "").encode()},
        capture_stdout=False,
        uid="aux",
        cgroup="aux",
        env=dict(interactor.language.env),
        result_fd=KATTIS_RESULT_FD,
    )
    return [sol, inter]


def tester_proc(sub: Submission, test: AssertTest) -> Proc:
    """The process that runs an assert test's code, beside the candidate (pytester.py).

    It is forked from the box's own interpreter and runs as the aux uid in the aux cgroup:
    the candidate cannot reach its memory, its spec (fd 3) or its verdict (fd 4). It calls
    the candidate over fds 5 and 6, wired to the candidate's 4 and 3.
    """
    limits = sub.limits.model_copy(
        update={"memory_mb": max(TESTER_MIN_MEMORY_MB, sub.limits.memory_mb), "output_mb": 1, "processes": 4}
    )
    spec = {"code": test.code, "entry_point": test.entry_point}
    return Proc(
        limits=proc_limits(limits, CHECKER_OUTPUT_CAP),
        kind="py",
        py_mode="tester",
        fds_in={3: json.dumps(spec).encode()},
        result_fd=4,
        pipes_to={6: (0, 3)},
        capture_stdout=False,
        uid="aux",
        cgroup="aux",
    )


def checker_proc(checker_spec: ProgramChecker, test: StdioTest, output: bytes, checker: Program) -> Proc:
    """A checker program's run over one test's output: testlib's `checker input output answer`
    (all three on fds 3-5), or a Kattis validator (program_checker.py: output on stdin)."""
    argv = program_argv(checker, "/prog", CHECKER_LIMITS)
    answer = (test.expected or "").encode()
    proc = Proc(
        limits=proc_limits(CHECKER_LIMITS, CHECKER_OUTPUT_CAP),
        argv=[*argv, "/proc/self/fd/3", "/proc/self/fd/4", "/proc/self/fd/5"],
        fds_in={3: test.input.encode(), 4: output, 5: answer},
        uid="aux",
        env=dict(checker.language.env),
    )
    if checker_spec.protocol == "kattis":  # input on fd 3, answer on fd 4, the output on stdin
        proc.argv = kattis_argv(argv, checker_spec.flags)
        proc.fds_in = {3: test.input.encode(), 4: answer}
        proc.stdin = output
        proc.result_fd = KATTIS_RESULT_FD
    return proc


def validator_proc(
    checker_spec: ProgramChecker, test: StdioTest, output: bytes, checker: Program, state: bytes
) -> Proc:
    """A multi-pass pass's Kattis validator: as `checker_proc`, with the previous pass's
    feedback directory (a tar) on KATTIS_STATE_FD."""
    return Proc(
        limits=proc_limits(CHECKER_LIMITS, CHECKER_OUTPUT_CAP),
        argv=kattis_argv(program_argv(checker, "/prog", CHECKER_LIMITS), checker_spec.flags),
        stdin=output,
        fds_in={3: test.input.encode(), 4: (test.expected or "").encode(), KATTIS_STATE_FD: state},
        result_fd=KATTIS_RESULT_FD,
        uid="aux",
        env=dict(checker.language.env),
    )
