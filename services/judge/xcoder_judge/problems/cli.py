"""The `xcoder-judge problem check|import` commands (parsed in xcoder_judge/cli.py)."""

from __future__ import annotations

import argparse
import json
import re
import sys

from xcoder_judge.config import Settings
from xcoder_judge.problems import check, convert
from xcoder_judge.problems.package import PackageError, ProblemPackage, read_package


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Exit 0: all agree (check) or written (import); 1: a verdict disagrees; 2: bad input."""
    try:
        if args.time_scale <= 0:
            raise PackageError("--time-scale must be positive")
        if args.time_limit is not None and args.time_limit <= 0:
            raise PackageError("--time-limit must be positive")
        pkg = read_package(args.dir)
        if args.problem_command == "import":
            return _import(pkg, args)
        return _check(pkg, args, settings)
    except PackageError as e:
        print(f"xcoder-judge problem: {e}", file=sys.stderr)
        return 2


def _check(pkg: ProblemPackage, args: argparse.Namespace, settings: Settings) -> int:
    from xcoder_judge.engine import Engine

    try:
        engine = Engine(settings)
        engine.start()
    except Exception as exc:
        print(f"xcoder-judge: the sandbox cannot start: {exc}", file=sys.stderr)
        return 1
    try:
        report = check.check_package(
            engine,
            pkg,
            engine.toolchains,
            time_limit=args.time_limit,
            time_scale=args.time_scale,
            parallel=args.parallel,
        )
    finally:
        engine.close()
    print(json.dumps(report.as_dict(), indent=2) if args.json else report.text())
    return 0 if report.ok else 1


def _import(pkg: ProblemPackage, args: argparse.Namespace) -> int:
    """One JSON line per labelled submission and test group: the label and a judge submission."""
    limit = args.time_limit if args.time_limit is not None else pkg.time_limit
    if limit is None:
        raise PackageError(
            "the package fixes no time limit; give --time-limit (`problem check` derives one from "
            "the accepted submissions and prints it)"
        )
    limit *= args.time_scale
    lines: list[str] = []
    skipped = 0
    every_language = frozenset(
        s.program.language.id for s in pkg.submissions if s.program is not None and s.program.language.id
    )
    for sub in pkg.submissions:
        why = sub.reason or convert.unsupported(sub.program, every_language)
        if why:
            print(f"{sub.path}: {why}", file=sys.stderr)
            skipped += 1
            continue
        assert sub.program is not None
        try:
            docs = [
                {
                    "problem": pkg.name,
                    "path": sub.path,
                    "label": sub.label,
                    "expected": sorted(sub.expected),
                    "group": n,
                    "submission": convert.submission(
                        pkg, sub.program, tests, flags, limit, _id(f"{pkg.root.name}:{sub.path}:{n}")
                    ).model_dump(mode="json", exclude_none=True),
                }
                for n, (flags, tests) in enumerate(convert.groups(pkg))
            ]
        except PackageError as e:  # this submission cannot be one; the others still are
            print(f"{sub.path}: skipped: {e}", file=sys.stderr)
            skipped += 1
            continue
        lines.extend(json.dumps(doc) for doc in docs)
    text = "\n".join(lines) + ("\n" if lines else "")
    if args.output:
        with open(args.output, "w", encoding="utf-8") as f:
            f.write(text)
    else:
        sys.stdout.write(text)
    print(f"{len(lines)} submissions written, {skipped} skipped", file=sys.stderr)
    return 0


def _id(text: str) -> str:
    """A submission id the wire accepts: [A-Za-z0-9._:-], at most 128 characters."""
    return re.sub(r"[^A-Za-z0-9._:\-]", "_", text)[-128:]
