"""Start a command under a deliberately odd process state, or under a plain one (test helper).

    python odd_launch.py odd|plain|no-stdio -- COMMAND...   set the state, then exec COMMAND
    python odd_launch.py judge OUT.json UID SPEC...   judge suite cases, write the results

A SPEC is a group ("parity"), one case ("parity/process_state") or a group's cases in some
languages ("verdicts:python3,c").

`odd` is what nohup, a supervisor, a container's init or a careless shell can hand the judge:
SIGINT, SIGQUIT, SIGHUP and SIGPIPE ignored, other signals blocked, umask 077, a low soft
open-files limit (a lowered hard one cannot be undone without CAP_SYS_RESOURCE), nice 10, one
CPU, address randomisation off, LANG and LC_ALL unset, an odd TZ, no stdin and a stray
inheritable descriptor. `no-stdio` closes fds 0-2, as some daemon launchers do. `plain` is the state of a fresh login shell. test_launch_state.py judges
the same cases under both and compares the results. `judge` runs in the launched process: it
never runs submitted code itself, it hands every case to an Engine (the sandbox).
"""

from __future__ import annotations

import ctypes
import json
import os
import resource
import signal
import sys
from pathlib import Path

IGNORED = (signal.SIGINT, signal.SIGQUIT, signal.SIGHUP, signal.SIGPIPE)
BLOCKED = (signal.SIGTERM, signal.SIGUSR1, signal.SIGUSR2, signal.SIGALRM, signal.SIGCHLD)
NOFILE = 256
ADDR_NO_RANDOMIZE = 0x0040000
STRAY_FD = 9


def _personality(value: int) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.personality.argtypes = [ctypes.c_ulong]
    if libc.personality(value) == -1:
        raise OSError(ctypes.get_errno(), "personality")


def odd() -> None:
    for s in IGNORED:
        signal.signal(s, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_BLOCK, BLOCKED)
    os.umask(0o077)
    resource.setrlimit(resource.RLIMIT_NOFILE, (NOFILE, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))
    os.nice(10)
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    _personality(ADDR_NO_RANDOMIZE)
    for name in [k for k in os.environ if k == "LANG" or k.startswith("LC_")]:
        del os.environ[name]
    os.environ["TZ"] = "Pacific/Chatham"
    stray = os.open(os.devnull, os.O_RDONLY)
    os.dup2(stray, STRAY_FD, inheritable=True)
    os.close(stray)
    os.close(0)


def no_stdio() -> None:
    """A daemon's start: no stdin, stdout or stderr at all."""
    for fd in (0, 1, 2):
        os.close(fd)


def plain() -> None:
    for s in signal.valid_signals():
        if s not in (signal.SIGKILL, signal.SIGSTOP):
            try:
                signal.signal(s, signal.SIG_DFL)
            except OSError:
                pass
    signal.pthread_sigmask(signal.SIG_SETMASK, [])
    os.umask(0o022)
    os.setpriority(os.PRIO_PROCESS, 0, 0)
    os.sched_setaffinity(0, range(os.cpu_count() or 1))
    _personality(0)


def judge(out: Path, uid: int, groups: list[str]) -> None:
    """Judge every case of `groups` by a warm and (parity cases) a fresh-exec engine."""
    from xcoder_judge.config import Settings
    from xcoder_judge.engine import Engine
    from xcoder_wire.schemas import Submission

    sys.path.insert(0, str(Path(__file__).parent / "suite"))
    import _lib as lib

    cases = []
    for spec in groups:  # "group", "group/case" or "group:lang,lang"
        group, _, langs = spec.partition(":")
        group, _, name = group.partition("/")
        cases += [
            c
            for c in lib.discover(groups={group})
            if (not name or c.name == name) and (not langs or c.data["language"] in langs.split(","))
        ]
    root = out.parent
    facts = lib.HostFacts(
        ipv4=lib.non_loopback_ipv4(),
        listener=lib.Listener(),
        canary="canary-odd-launch",
        work_dir=root / "work",
        cache_dir=root / "cache",
        sandbox_uids=range(uid, uid + 2),
        slots=2,
    )
    languages = sorted({c.data["language"] for c in cases})
    results: dict[str, object] = {}
    for warm in (True, False):
        settings = Settings(
            slots=2,
            cache_dir=facts.cache_dir,
            work_dir=root / ("work" if warm else "work-cold"),
            sandbox_uid=uid if warm else uid + 50,
            languages=",".join(languages),
            python_warm=warm,
            pch=False,
        )
        with Engine(settings) as engine:
            for case in cases:
                if not warm and case.group != "parity":
                    continue
                values = facts.values("token", Path("/nonexistent-bait"))
                payload = lib.submission_payload(case, values)
                payload["output"] = "all"
                result = engine.judge(Submission.model_validate(payload))
                results[f"{'warm' if warm else 'cold'} {case.id}"] = {
                    "errors": lib.check_result(case, result, values),
                    "tests": [
                        {k: getattr(t, k) for k in ("verdict", "exit_code", "signal", "stdout", "stderr")}
                        for t in result.tests
                    ],
                }
    facts.listener.close()
    out.write_text(json.dumps(results, default=str, indent=1))


def main(argv: list[str]) -> None:
    mode = argv[1]
    if mode == "judge":
        out = Path(argv[2])
        try:
            judge(out, int(argv[3]), argv[4:])
        except BaseException:  # a launch without stderr has nowhere else to say it
            import traceback

            out.with_suffix(".err").write_text(traceback.format_exc())
            raise
        return
    if argv[2] != "--":
        raise SystemExit(__doc__)
    {"odd": odd, "plain": plain, "no-stdio": no_stdio}[mode]()
    os.execvp(argv[3], argv[3:])


if __name__ == "__main__":
    main(sys.argv)
