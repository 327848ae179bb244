"""Loader for LiveCodeBench's released problem files (`livecodebench/code_generation_lite`).

The release is a folder of JSONL files, one per release increment::

    test.jsonl   (release_v1)   test2.jsonl (added in v2)   ...   test6.jsonl (added in v6)

`release_vN` is cumulative: files test.jsonl .. testN.jsonl. Each row has::

    question_title, question_content, platform (leetcode|codeforces|atcoder), question_id,
    contest_id, contest_date (ISO datetime), starter_code, difficulty (easy|medium|hard),
    public_test_cases   JSON string: [{"input", "output", "testtype": "stdin"|"functional"}]
    private_test_cases  the same as JSON, or base64(zlib(pickle(json string)))
    metadata            JSON string, e.g. {"func_name": "maxSum"} for functional problems

The tests are parsed by `xcoder_client.testcases.parse_tests` (the one parser; private tests are
decoded without unpickling). Get the files once with e.g.
`hf download livecodebench/code_generation_lite --repo-type dataset --local-dir data/lcb`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

#: The evaluation windows used by X-Coder's paper (contest dates, start inclusive, end exclusive).
WINDOWS: dict[str, tuple[date, date]] = {
    "v5": (date(2024, 8, 1), date(2025, 2, 1)),
    "v6": (date(2025, 2, 1), date(2025, 5, 1)),
}

_FILE_ORDER = re.compile(r"^test(\d*)\.jsonl$")


@dataclass
class Problem:
    question_id: str
    title: str
    content: str
    platform: str
    contest_id: str
    contest_date: date
    difficulty: str
    starter_code: str
    fn_name: str | None
    row: dict[str, Any] = field(repr=False)
    """The raw row: `xcoder_client.testcases.parse_tests(problem.row)` gives its judge tests."""

    @property
    def month(self) -> str:
        return self.contest_date.strftime("%Y-%m")

    @property
    def functional(self) -> bool:
        return bool(self.starter_code.strip()) or self.fn_name is not None


def _file_number(path: Path) -> int:
    m = _FILE_ORDER.match(path.name)
    if not m:
        raise ValueError(f"{path.name}: not a LiveCodeBench release file (test.jsonl, test2.jsonl, ...)")
    return int(m.group(1) or 1)


def release_files(folder: Path, release: str) -> list[Path]:
    """The files of `release_vN` (cumulative) or `vN` (that increment only) in `folder`."""
    m = re.fullmatch(r"(release_)?v(\d+)", release)
    if not m:
        raise ValueError(f"unknown release {release!r}: use release_vN (cumulative) or vN (one increment)")
    n = int(m.group(2))
    wanted = range(1, n + 1) if m.group(1) else [n]
    files = []
    for i in wanted:
        path = folder / ("test.jsonl" if i == 1 else f"test{i}.jsonl")
        if not path.is_file():
            raise FileNotFoundError(f"{path} is missing (needed for {release})")
        files.append(path)
    return files


def _parse_date(value: Any, where: str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)):  # some mirrors store epoch milliseconds
        return datetime.fromtimestamp(value / 1000 if value > 1e11 else value, tz=timezone.utc).date()
    if isinstance(value, str) and value.strip():
        try:
            return datetime.fromisoformat(value.strip().replace("Z", "+00:00")).date()
        except ValueError:
            pass
    raise ValueError(f"{where}: contest_date {value!r} is not an ISO date")


def _fn_name(row: dict[str, Any]) -> str | None:
    meta = row.get("metadata") or {}
    if isinstance(meta, str):
        try:
            meta = json.loads(meta) if meta.strip() else {}
        except json.JSONDecodeError:
            meta = {}
    name = meta.get("func_name") if isinstance(meta, dict) else None
    return name or None


def problem_from_row(row: dict[str, Any], where: str = "row") -> Problem:
    missing = [k for k in ("question_id", "question_content", "contest_date") if k not in row]
    if missing:
        raise ValueError(f"{where}: not a LiveCodeBench row, missing {missing}")
    return Problem(
        question_id=str(row["question_id"]),
        title=str(row.get("question_title") or row["question_id"]),
        content=str(row["question_content"]),
        platform=str(row.get("platform") or "unknown"),
        contest_id=str(row.get("contest_id") or ""),
        contest_date=_parse_date(row["contest_date"], where),
        difficulty=str(row.get("difficulty") or "unknown").lower(),
        starter_code=str(row.get("starter_code") or ""),
        fn_name=_fn_name(row),
        row=row,
    )


def read_problems(files: Iterable[Path]) -> list[Problem]:
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    for path in files:
        with Path(path).open(encoding="utf-8") as fh:
            for lineno, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                where = f"{path}:{lineno}"
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise ValueError(f"{where}: not valid JSON ({exc.msg})") from exc
                problem = problem_from_row(row, where)
                if problem.question_id in seen:
                    raise ValueError(
                        f"{where}: question_id {problem.question_id} also in {seen[problem.question_id]}"
                    )
                seen[problem.question_id] = where
                problems.append(problem)
    return problems


def load_problems(
    source: str | Path,
    *,
    release: str | None = "release_v6",
    window: str | None = None,
    start_date: date | None = None,
    end_date: date | None = None,
    difficulties: Sequence[str] | None = None,
    platforms: Sequence[str] | None = None,
) -> list[Problem]:
    """Problems from a release folder (or one JSONL file), filtered by contest date and difficulty.

    `release`: `release_vN` (test.jsonl .. testN.jsonl), `vN` (testN.jsonl only), or
    `release_latest` / None (every test*.jsonl in the folder).

    `window` names a preset from WINDOWS; `start_date` (inclusive) and `end_date` (exclusive)
    override its bounds. Problems are sorted by (contest_date, question_id).
    """
    source = Path(source)
    if source.is_dir():
        if release and release != "release_latest":
            files = release_files(source, release)
        else:
            files = sorted(
                (p for p in source.glob("test*.jsonl") if _FILE_ORDER.match(p.name)), key=_file_number
            )
            if not files:
                raise FileNotFoundError(f"{source}: no test*.jsonl files")
    elif source.is_file():
        files = [source]
    else:
        raise FileNotFoundError(f"{source}: no such file or directory")
    problems = read_problems(files)

    lo, hi = (None, None)
    if window:
        if window not in WINDOWS:
            raise ValueError(f"unknown window {window!r}; known: {sorted(WINDOWS)}")
        lo, hi = WINDOWS[window]
    lo = start_date or lo
    hi = end_date or hi
    if lo is not None:
        problems = [p for p in problems if p.contest_date >= lo]
    if hi is not None:
        problems = [p for p in problems if p.contest_date < hi]
    if difficulties:
        wanted = {d.lower() for d in difficulties}
        problems = [p for p in problems if p.difficulty in wanted]
    if platforms:
        wanted = {p.lower() for p in platforms}
        problems = [p for p in problems if p.platform.lower() in wanted]
    return sorted(problems, key=lambda p: (p.contest_date, p.question_id))


# ------------------------------------------------------------------ prompts

SYSTEM_PROMPT = (
    "You are an expert competitive programmer. You will be given a problem statement and must "
    "write a correct and efficient Python 3 program that passes all hidden tests."
)

_STDIN_INSTRUCTIONS = (
    "Read the input from standard input and write the answer to standard output. Do not hard-code "
    "the sample cases. Give your final solution in a single ```python code block at the end."
)

_FUNCTIONAL_INSTRUCTIONS = (
    "Complete the starter code below; keep its class and method signature. Do not read from standard "
    "input and do not print. Give your final solution in a single ```python code block at the end."
)


def build_messages(problem: Problem, *, style: str = "lcb") -> list[dict[str, str]]:
    """Chat messages for one problem.

    - `lcb`: a system turn plus the statement and LiveCodeBench-like format instructions;
    - `plain`: the statement (+ starter code) as one user turn, the way X-Coder's SFT queries look.
    """
    if style not in ("lcb", "plain"):
        raise ValueError(f"unknown prompt style {style!r}; expected 'lcb' or 'plain'")
    parts = [problem.content.strip()]
    if style == "lcb":
        parts.append(_FUNCTIONAL_INSTRUCTIONS if problem.starter_code.strip() else _STDIN_INSTRUCTIONS)
    if problem.starter_code.strip():
        parts.append("```python\n" + problem.starter_code.rstrip() + "\n```")
    messages = [{"role": "user", "content": "\n\n".join(parts)}]
    if style == "lcb":
        messages.insert(0, {"role": "system", "content": SYSTEM_PROMPT})
    return messages
