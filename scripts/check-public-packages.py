#!/usr/bin/env python3
"""`xcoder-judge problem check` on the public problem packages of three reference judges.

Why: the judge must give the verdicts these packages' authors labelled. DOMjudge's and
BAPCtools' packages are GPL, so they are not committed here (the tests use committed MIT
packages and authored ones); this script runs them from checkouts you make, and exits 0 only
when every label agrees except exactly the ones docs/problem-packages.md lists and explains.

    git clone https://github.com/DOMjudge/domjudge            # at a023fd3ec375 or later
    git clone https://github.com/RagnarGrootKoerkamp/BAPCtools # at b6e8c800 or later
    git clone https://github.com/Kattis/problemtools           # at a185fe97 or later
    .venv/bin/python scripts/check-public-packages.py --domjudge domjudge/example_problems \
        --bapctools BAPCtools/test/problems --problemtools problemtools/examples [engine flags]

Every program runs in the judge's sandbox, through the same command a user runs. Extra
arguments (--sandbox-uid, --slots, --cache-dir, ...) go to `xcoder-judge problem check`.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

# (source, package) -> {submission path: why it legitimately disagrees here}.
# Keep in step with docs/problem-packages.md "Labels that do not reproduce here".
_JAVA_PACKAGES = "Java classes in named packages: the judge runs the main class without its package"
_DJ_OUTPUT = "fills its output forever: DOMjudge truncates it and waits for the time limit; here (and on Kattis) the output limit stops it: OLE"
_MEMSTATIC = "a 1 GiB static array: the object file is over the compile's file-size limit, so CE"
KNOWN: dict[tuple[str, str], dict[str, str]] = {
    ("problemtools", "hello"): {},
    ("problemtools", "different"): {},
    ("problemtools", "guess"): {},
    ("problemtools", "oddecho"): {},
    ("domjudge", "fltcmp"): {},
    ("domjudge", "boolfind"): {},
    ("domjudge", "jumble"): {},
    ("domjudge", "hangman"): {},
    ("domjudge", "hello"): {
        "submissions/accepted/multifile-multipackage": _JAVA_PACKAGES,
        "submissions/accepted/multifile-sh": "sources ./secondary.sh from the working directory; "
        "the judge runs a Bash program from its program directory with the writable box as the working directory",
        "submissions/compiler_error/mainclass-missing": "DOMjudge's Java compile script refuses a program "
        "without the expected main class; here the JVM fails at run time: RE",
        "submissions/compiler_error/multifile-js": "JavaScript has no compile step here: the syntax "
        "error in the imported module shows at run time: RE",
        "submissions/compiler_error/multifile-js-3": "the broken module is never imported; DOMjudge "
        "syntax-checks every file, the judge only runs the program: AC",
        "submissions/multiple/test-memstatic.cc": _MEMSTATIC,
        "submissions/multiple/test-multithread.c": "aborts on purpose when a thread's stack is not 2 MiB; "
        "the judge gives the stack the memory limit, as Kattis does: RE",
        "submissions/run_time_error/test-chroot-escape.sh": "tests DOMjudge's chroot with `ischroot`; the "
        "judge's box is not a chroot, so the script takes its 'not in a jail' branch and prints the answer",
        "submissions/time_limit_exceeded/test-fill-stderr.cpp": _DJ_OUTPUT,
        "submissions/time_limit_exceeded/test-fill-stdout.cc": _DJ_OUTPUT,
        "submissions/time_limit_exceeded/test-fill-stdout.pas": _DJ_OUTPUT,
        "submissions/time_limit_exceeded/test-suspend-ppid.c": "sleeps 10 s using no CPU; the limit is "
        "CPU time and the wall clock (3 x 5 s + 5 s) is only a backstop, so it finishes: WA",
        "submissions/wrong_answer/test-permissions.c": "reads DOMjudge's /etc/root-permission-test.txt, "
        "which does not exist here: RE",
        "submissions/wrong_answer/test-write-file.c": "expects the working directory to be read-only as in "
        "DOMjudge; the judge's box is writable, as isolate's is: RE",
    },
    ("bapctools", "multipass"): {},
    ("bapctools", "interactivemultipass"): {},
    ("bapctools", "guess"): {},
    ("bapctools", "fltcmp"): {},
    ("bapctools", "different"): {},
    ("bapctools", "hello"): {
        "submissions/mixed/test-memstatic.cc": _MEMSTATIC,
        "submissions/time_limit_exceeded/test-fill-stdout.cc": _DJ_OUTPUT,
    },
}


# Labels that agree or not from run to run, and why: neither outcome is a failure.
EITHER: dict[tuple[str, str], dict[str, str]] = {
    ("domjudge", "hello"): {
        "submissions/wrong_answer/test-cpu-pinning.c": "exits 1 if a forked child runs on another "
        "CPU than its parent; DOMjudge pins a judging to one core, the judge does not, so WA or RE "
        "as the scheduler decides",
    },
}


def check(root: Path, package: str, engine_args: list[str]) -> dict:
    cmd = [sys.executable, "-m", "xcoder_judge.cli", "problem", "check", str(root / package), "--json"]
    proc = subprocess.run(cmd + engine_args, capture_output=True, text=True, check=False)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{root / package}: exit {proc.returncode}\n{proc.stderr[-2000:]}")
    return json.loads(proc.stdout)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    for source in ("problemtools", "domjudge", "bapctools"):
        parser.add_argument(f"--{source}", type=Path, help=f"the folder of {source}'s example packages")
    args, engine_args = parser.parse_known_args(argv)
    roots = {s: getattr(args, s) for s in ("problemtools", "domjudge", "bapctools") if getattr(args, s)}
    if not roots:
        parser.error("give at least one of --problemtools, --domjudge, --bapctools")
    failed = False
    for (source, package), known in KNOWN.items():
        if source not in roots:
            continue
        report = check(roots[source], package, engine_args)
        rows = report["rows"]
        differ = {r["path"] for r in rows if r["agrees"] is False}
        agree = sum(1 for r in rows if r["agrees"])
        skipped = sum(1 for r in rows if r["agrees"] is None)
        either = set(EITHER.get((source, package), {}))
        unexpected, gone = differ - set(known) - either, set(known) - differ
        ok = not unexpected and not gone and agree > 0
        failed |= not ok
        print(f"{'ok  ' if ok else 'FAIL'} {source}/{package}: {agree} agree, {len(differ)} disagree "
              f"(as documented: {len(differ & set(known))}), {skipped} skipped")  # fmt: skip
        for path in sorted(unexpected):
            row = next(r for r in rows if r["path"] == path)
            print(
                f"     unexpected: {path}: {row['verdict']}, expected {'/'.join(row['expected'])}: {row['message'][:200]}"
            )
        for path in sorted(gone):
            print(f"     now agrees (update the list): {path}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
