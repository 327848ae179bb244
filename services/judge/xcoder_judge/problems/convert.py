"""A problem package as wire Submissions: what `problem check` judges and `problem import` writes."""

from __future__ import annotations

from pydantic import ValidationError
from xcoder_wire.checkers import kattis
from xcoder_wire.schemas import (
    MAX_MEMORY_MB,
    MAX_OUTPUT_MB,
    MAX_PASSES,
    MAX_TIME_S,
    MAX_WALL_S,
    Interactor,
    Limits,
    ProgramChecker,
    StdioTest,
    Submission,
)

from xcoder_judge.problems.package import PackageError, ProblemPackage, ProgramFiles, TestCase


def limits(pkg: ProblemPackage, time_limit: float) -> Limits:
    """The package's limits at a time limit (CPU seconds, the whole process tree)."""
    if time_limit > MAX_TIME_S:
        raise PackageError(f"time limit {time_limit:g} s is over the judge's maximum of {MAX_TIME_S:g} s")
    return Limits(
        time_s=time_limit,
        # Kattis limits CPU time; the wall clock is only the backstop for a blocked program, so
        # it is generous: a loaded machine must not turn a slow start into a TLE.
        wall_s=min(MAX_WALL_S, 3 * time_limit + 5),
        memory_mb=min(MAX_MEMORY_MB, pkg.memory_mb),
        # Kattis gives the stack the memory limit; the JVM refuses -Xss above 1 GiB, and no
        # program needs more stack than that.
        stack_mb=min(MAX_MEMORY_MB, pkg.memory_mb, 1024),
        output_mb=min(MAX_OUTPUT_MB, pkg.output_mb),
    )


def groups(pkg: ProblemPackage) -> list[tuple[tuple[str, ...], list[TestCase]]]:
    """The tests by validator flags (one submission each, as flags are per submission), in order."""
    out: dict[tuple[str, ...], list[TestCase]] = {}
    for t in pkg.tests:
        out.setdefault(t.flags, []).append(t)
    return list(out.items())


def unsupported(program: ProgramFiles | None, offered: set[str] | frozenset[str]) -> str:
    """Why a program cannot be judged here ("" when it can): shown, never hidden."""
    if program is None:
        return "no source file"
    lang = program.language
    if lang.kind == "other":
        return f"skipped: not a program ({lang.name})"
    if lang.id is None:
        return f"skipped by language: {lang.name} is not offered by this judge"
    if lang.id not in offered:
        return f"skipped by language: {lang.name} ({lang.id}) is not installed on this node"
    return ""


def submission(
    pkg: ProblemPackage,
    program: ProgramFiles,
    tests: list[TestCase],
    flags: tuple[str, ...],
    time_limit: float,
    sub_id: str | None = None,
) -> Submission:
    """One labelled program on a group of tests, judged as the package says."""
    if program.language.id is None:
        raise PackageError(f"{program.path}: {program.language.name} is not offered by this judge")
    payload: dict = {
        "id": sub_id,
        "language": program.language.id,
        "source": program.source,
        "files": program.files,  # a multi-file program: compiled with the source or beside it
        "tests": [StdioTest(id=t.name, input=t.input, expected=t.answer) for t in tests],
        "limits": limits(pkg, time_limit),
    }
    v = pkg.validator
    if v is not None:
        assert v.language.id is not None
        judge = {"language": v.language.id, "source": v.source, "files": v.files, "protocol": "kattis"}
        if pkg.interactive:
            payload["interactor"] = Interactor(**judge, flags=list(flags))
        else:
            payload["checker"] = ProgramChecker(**judge, flags=list(flags))
    else:
        try:
            payload["checker"] = kattis.from_flags(list(flags))
        except ValueError as e:
            raise PackageError(str(e)) from None
    if pkg.multi_pass:
        payload["passes"] = min(MAX_PASSES, max(1, pkg.validation_passes))
    try:
        return Submission.model_validate(payload)
    except ValidationError as e:  # e.g. a NUL byte in a source: the wire refuses it
        why = "; ".join(f"{'.'.join(map(str, err['loc']))}: {err['msg']}" for err in e.errors())
        raise PackageError(f"{program.path}: not a submission the judge accepts ({why})") from None
