"""`xcoder-judge problem check`: every labelled submission on every test, against its label.

As problemtools' verifyproblem sets the time limit: the package's own, else the accepted
submissions run first (under a generous probe limit) and the limit is the slowest one's CPU
time times the package's multiplier, rounded up to whole seconds. `time_scale` multiplies the
limit for a slower or faster machine than the one the package was made on.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Protocol

from xcoder_wire.schemas import MAX_TIME_S, SubmissionResult, TestResult, Verdict
from xcoder_wire.verdicts import overall_verdict

from xcoder_judge.problems import convert
from xcoder_judge.problems.package import LabelledSubmission, PackageError, ProblemPackage

PROBE_TIME_S = 10.0  # the accepted submissions' limit while the time limit is not known yet
LETTERS = {
    "AC": "A",
    "WA": "W",
    "PE": "P",
    "TLE": "T",
    "MLE": "M",
    "OLE": "O",
    "RE": "R",
    "CE": "C",
    "SE": "S",
    "SK": "-",
}


class Judges(Protocol):
    def judge(self, submission: Any) -> SubmissionResult: ...


@dataclass
class Row:
    path: str
    label: str
    expected: list[str]
    verdict: str | None = None  # None: not judged (skipped says why)
    tests: list[str] = field(default_factory=list)  # each test's verdict, in package order
    passed: int = 0
    max_time_s: float = 0.0
    message: str = ""
    skipped: str = ""

    @property
    def agrees(self) -> bool | None:
        if self.verdict is None:
            return None
        ok = self.verdict in self.expected
        if ok and self.label == "partially_accepted":
            ok = self.passed > 0  # Kattis: accepted on some group, not on all
        return ok

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "label": self.label,
            "expected": self.expected,
            "verdict": self.verdict,
            "agrees": self.agrees,
            "tests": self.tests,
            "passed": self.passed,
            "max_time_s": self.max_time_s,
            "message": self.message,
            "skipped": self.skipped,
        }


@dataclass
class Report:
    problem: str
    tests: list[str]
    time_limit: float
    time_limit_from: str
    rows: list[Row]

    @property
    def ok(self) -> bool:
        return all(r.agrees is not False for r in self.rows) and any(r.agrees for r in self.rows)

    def as_dict(self) -> dict[str, Any]:
        return {
            "problem": self.problem,
            "tests": self.tests,
            "time_limit_s": self.time_limit,
            "time_limit_from": self.time_limit_from,
            "ok": self.ok,
            "rows": [r.as_dict() for r in self.rows],
        }

    def text(self) -> str:
        width = max([len("submission"), *(len(r.path) for r in self.rows)])
        lines = [
            f"problem {self.problem}: {len(self.tests)} tests, time limit {self.time_limit:g} s ({self.time_limit_from})",
            f"  {'submission':<{width}}  {'label':<20} verdict  tests",
        ]
        for r in self.rows:
            if r.verdict is None:
                lines.append(f"  {r.path:<{width}}  {r.label:<20} -        {r.skipped}")
                continue
            mark = "ok" if r.agrees else f"DISAGREES (expected {'/'.join(r.expected)})"
            tests = "".join(LETTERS.get(v, "?") for v in r.tests)
            line = f"  {r.path:<{width}}  {r.label:<20} {r.verdict:<8} {tests}  {mark}"
            if not r.agrees and r.message:
                line += f": {r.message[:200]}"
            lines.append(line)
        agree = sum(1 for r in self.rows if r.agrees)
        differ = sum(1 for r in self.rows if r.agrees is False)
        skipped = sum(1 for r in self.rows if r.agrees is None)
        lines.append(f"{agree} agree, {differ} disagree, {skipped} skipped")
        return "\n".join(lines)


def judge_one(
    engine: Judges, pkg: ProblemPackage, sub: LabelledSubmission, time_limit: float, offered: frozenset[str]
) -> Row:
    row = Row(sub.path, sub.label, sorted(sub.expected))
    why = sub.reason or convert.unsupported(sub.program, offered)
    if why:
        row.skipped = why
        return row
    assert sub.program is not None
    results: list[TestResult] = []
    messages: list[str] = []
    try:
        subs = [
            convert.submission(pkg, sub.program, tests, flags, time_limit)
            for flags, tests in convert.groups(pkg)
        ]
    except PackageError as e:  # listed with the reason, like a language not offered
        row.skipped = f"skipped: {e}"
        return row
    for submission in subs:
        res = engine.judge(submission)
        if res.verdict == Verdict.CE:
            row.verdict, row.tests = "CE", ["CE"] * len(pkg.tests)
            row.message = res.compile.output[:500] if res.compile else res.message
            return row
        results.extend(res.tests)
        if res.message:
            messages.append(res.message)
    row.verdict = overall_verdict(results).value
    row.tests = [r.verdict.value for r in results]
    row.passed = sum(1 for r in results if r.verdict == Verdict.AC)
    row.max_time_s = max((r.time_s for r in results), default=0.0)
    first_bad = next((r for r in results if r.verdict != Verdict.AC), None)
    row.message = first_bad.message if first_bad is not None else "; ".join(messages)
    return row


def check_package(
    engine: Judges,
    pkg: ProblemPackage,
    offered: Iterable[str],
    *,
    time_limit: float | None = None,
    time_scale: float = 1.0,
    parallel: int = 2,
    progress: Callable[[Row], None] | None = None,
) -> Report:
    """Judge every labelled submission of `pkg`; the report's `ok` is verifyproblem's 'all agree'."""
    offered = frozenset(offered)
    fixed = time_limit if time_limit is not None else pkg.time_limit
    accepted = [s for s in pkg.submissions if s.label == "accepted"]
    others = [s for s in pkg.submissions if s.label != "accepted"]

    def run(subs: list[LabelledSubmission], limit: float) -> list[Row]:
        with ThreadPoolExecutor(max_workers=max(1, parallel)) as pool:
            rows = list(pool.map(lambda s: judge_one(engine, pkg, s, limit, offered), subs))
        if progress:
            for r in rows:
                progress(r)
        return rows

    if fixed is not None:
        limit = min(MAX_TIME_S, fixed * time_scale)
        source = "from the package" if time_limit is None else "given"
        if time_scale != 1.0:
            source += f", scaled by {time_scale:g}"
        rows = run(accepted + others, limit)
    else:
        ac_rows = run(accepted, min(MAX_TIME_S, PROBE_TIME_S * time_scale))
        slowest = max((r.max_time_s for r in ac_rows if r.verdict == "AC"), default=0.0)
        limit = min(MAX_TIME_S, max(1.0, math.ceil(slowest * pkg.ac_to_time_limit)) * time_scale)
        source = f"{pkg.ac_to_time_limit:g} x slowest accepted run {slowest:.3f} s, rounded up"
        if time_scale != 1.0:
            source += f", scaled by {time_scale:g}"
        # an accepted run over the final limit would be a TLE there; it cannot be, by construction
        rows = ac_rows + run(others, limit)
    order = {s.path: i for i, s in enumerate(pkg.submissions)}
    rows.sort(key=lambda r: order[r.path])
    return Report(pkg.name, [t.name for t in pkg.tests], limit, source, rows)
