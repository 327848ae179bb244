"""The verdict of a checker or interactor program from its exit code: testlib's or Kattis's.

The program itself runs in the sandbox (engine/judge.py); the built-in checkers are pure and live
in `xcoder_wire.checkers`.
"""

from __future__ import annotations

import io
import shlex
import tarfile

from xcoder_wire.checkers import CheckOutcome
from xcoder_wire.schemas import Verdict

# testlib's exit codes: 0 ok, 1 wrong answer, 2 presentation error. Anything else (3 is
# testlib's "fail", a signal, a code it does not define) means the checker itself failed on
# this output. testlib, DOMjudge and Kattis call that a judging error and stop for a person
# to fix the problem; a reward has no such person, a rerun gives the same failure, and an SE
# would let the output escape its penalty. So it is WA with reason checker_error:
# deterministic, never retried, scored 0 by the reward clients unless configured otherwise.
PROGRAM_EXIT_VERDICTS = {0: Verdict.AC, 1: Verdict.WA, 2: Verdict.PE}
CHECKER_ERROR = "checker_error"  # TestResult.reason: the checker, interactor or tester failed


def program_verdict(exit_code: int | None, signal: int | None, message: str) -> CheckOutcome:
    if exit_code in PROGRAM_EXIT_VERDICTS:
        return CheckOutcome(PROGRAM_EXIT_VERDICTS[exit_code], message)
    what = f"signal {signal}" if signal is not None else f"exit code {exit_code}"
    return checker_failed(f"{what}: {message}".strip().rstrip(":"))


def checker_failed(what: str) -> CheckOutcome:
    """The outcome when the checker (or interactor, or assert tester) failed on an output."""
    return CheckOutcome(Verdict.WA, f"checker failed ({what})", CHECKER_ERROR)


# The Kattis output-validator protocol (problem package format): `validator input answer
# feedback_dir [flags] < output`, exit 42 accepts, 43 rejects, anything else is the validator's
# own failure; it explains itself in feedback_dir/judgemessage.txt and, for multi-pass problems,
# writes the next pass's input to feedback_dir/nextpass.in. The directory is made by a small
# POSIX shell wrapper inside the sandbox, private to the validator's uid (mktemp -d, mode 0700:
# the solution runs as another uid), and returned as a tar on the result fd, so the judge reads
# the feedback files without any file of the run leaving the box on its own.
KATTIS_EXIT_VERDICTS = {42: Verdict.AC, 43: Verdict.WA}
KATTIS_RESULT_FD = 5  # the feedback directory, as a tar, comes back on this fd
KATTIS_STATE_FD = 6  # a previous pass's feedback directory, as a tar (multi-pass)
WRAPPER_FAILED = 97  # the wrapper could not make or restore the feedback directory
MESSAGE_CAP = 4096
# Which process of an interactive run ended first decides its verdict (judge.interactive_verdict).
# The sandbox's reap order can be wrong when both end within one scheduling tick, so after an
# interactor's rejection the wrapper looks whether the solution's output is still open: the
# wrapper still holds both pipes, so a solution that is alive cannot have seen the interactor
# hang up, and an open output means the interactor ended first. The answer, "open" or
# "closed", comes back in the feedback tar as SOLUTION_OUTPUT.
SOLUTION_OUTPUT = ".xcoder-solution-output"
PROBE_S = 0.05
_WRAPPER = """\
d=$(mktemp -d) || exit {failed}
if [ -e /proc/self/fd/{state} ]; then tar -xf /proc/self/fd/{state} -C "$d" || exit {failed}; fi
"$@" /proc/self/fd/3 /proc/self/fd/4 {feedback} {result}>&- {state}<&-
rc=$?
{probe}
if [ -f "$d/judgemessage.txt" ]; then head -c {cap} "$d/judgemessage.txt" >&2; fi
tar -cf - -C "$d" . >&{result} 2>/dev/null
exit $rc
"""
_PROBE = (
    "if [ $rc -ne {accept} ]; then if timeout {probe_s} cat >/dev/null 2>&1; then echo closed; "
    'else echo open; fi >"$d/{name}"; fi'
)


def kattis_argv(validator: list[str], flags: list[str]) -> list[str]:
    """The sandboxed command that runs a Kattis-protocol validator: input on fd 3, answer on
    fd 4, the output on stdin; the feedback tar out on fd 5."""
    return _wrapped(validator, f'"$d/" {" ".join(shlex.quote(f) for f in flags)}'.strip(), "")


def interactor_argv(interactor: list[str], protocol: str, flags: list[str]) -> list[str]:
    """An interactor's command (either protocol): its verdict by exit code as before, plus the
    feedback tar with SOLUTION_OUTPUT after a rejection."""
    accept = 42 if protocol == "kattis" else 0
    probe = _PROBE.format(accept=accept, probe_s=PROBE_S, name=SOLUTION_OUTPUT)
    feedback = f'"$d/" {" ".join(shlex.quote(f) for f in flags)}'.strip() if protocol == "kattis" else ""
    return _wrapped(interactor, feedback, probe)


def _wrapped(argv: list[str], feedback: str, probe: str) -> list[str]:
    script = _WRAPPER.format(
        failed=WRAPPER_FAILED,
        state=KATTIS_STATE_FD,
        result=KATTIS_RESULT_FD,
        cap=MESSAGE_CAP,
        feedback=feedback,
        probe=probe,
    )
    return ["/bin/sh", "-c", script, "xcoder-validator", *argv]


def solution_ended_first(files: dict[str, bytes]) -> bool | None:
    """What the wrapper saw after a rejection: None when it did not look."""
    seen = files.get(SOLUTION_OUTPUT, b"").strip()
    return {b"closed": True, b"open": False}.get(seen)


def kattis_verdict(exit_code: int | None, signal: int | None, message: str) -> CheckOutcome:
    """The verdict of the wrapper's exit status (the validator's, or 128 + its signal)."""
    if exit_code in KATTIS_EXIT_VERDICTS:
        return CheckOutcome(KATTIS_EXIT_VERDICTS[exit_code], message)
    if signal is not None:
        what = f"signal {signal}"
    elif exit_code == WRAPPER_FAILED:
        what = "no feedback directory"
    elif exit_code is not None and exit_code > 128:
        what = f"signal {exit_code - 128}"
    else:
        what = f"exit code {exit_code}"
    return checker_failed(f"{what}: {message}".strip().rstrip(":"))


def kattis_signal(exit_code: int | None, signal: int | None) -> int | None:
    """The signal that ended the validator itself, seen through the wrapper's exit status."""
    if signal is not None:
        return signal
    if exit_code is not None and 128 < exit_code < 128 + 65:
        return exit_code - 128
    return None


def feedback_files(result: bytes) -> dict[str, bytes]:
    """The regular files of a returned feedback directory (name -> content); {} if unreadable."""
    files: dict[str, bytes] = {}
    if not result:
        return files
    try:
        with tarfile.open(fileobj=io.BytesIO(result), mode="r:") as tar:
            for member in tar:
                name = member.name.removeprefix("./")
                if member.isfile() and name and "/" not in name:
                    data = tar.extractfile(member)
                    if data is not None:
                        files[name] = data.read()
    except (tarfile.TarError, OSError):
        return {}
    return files


def feedback_tar(files: dict[str, bytes]) -> bytes:
    """A feedback directory to restore before the next pass (KATTIS_STATE_FD)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:") as tar:
        for name, data in sorted(files.items()):
            if name == SOLUTION_OUTPUT:  # the wrapper's, not the validator's
                continue
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()
