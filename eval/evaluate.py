"""LiveCodeBench-style evaluation: sample k completions per problem, judge them, report avg@k and pass@k.

    python -m eval.evaluate \\
        --problems data/lcb --release release_v6 --window v5 \\
        --endpoint http://127.0.0.1:8001/v1 --model X-Coder-7B --k 8 \\
        --judge-url http://127.0.0.1:8000 --out-dir runs/eval/x-coder-7b-v5

Three stages, each resumable (re-run the same command after an interruption):

1. sample  -- `samples.jsonl`: one line per completion (question_id, index, text, finish_reason);
              only missing (question_id, index) pairs are requested again.
2. judge   -- `judgements.jsonl`: the code is extracted with `xcoder_client.extract` (the last
              fenced python block after any reasoning) and run by the judge on ALL the problem's
              tests (public + private); a sample is correct only if every test passes. A sample
              without extractable code is judged wrong without running anything. Samples the
              judge could not score (SE after retries) are retried on the next run and, if
              still unscored, excluded from n (and reported).
3. report  -- `report.json` and `report.md`: avg@k (mean per-problem accuracy over the k
              samples, the paper's metric) and unbiased pass@k, overall and by difficulty,
              contest month and platform.

Model-written programs are never executed here: only the judge runs them.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Any

from eval import lcb, metrics
from eval.sampler import Completion, SamplingConfig, SamplingError, sample_all

SAMPLES = "samples.jsonl"
JUDGEMENTS = "judgements.jsonl"

#: Prepended to every program, as LiveCodeBench's grader does: LeetCode-style answers use `List`,
#: `defaultdict`, `heapq`, ... without importing them, because LeetCode's environment provides them;
#: deep recursion is allowed. `--no-prelude` judges programs exactly as written.
PRELUDE = (
    "import bisect, collections, functools, heapq, itertools, math, operator, re, string, sys\n"
    "from bisect import *\n"
    "from collections import *\n"
    "from functools import *\n"
    "from heapq import *\n"
    "from itertools import *\n"
    "from math import *\n"
    "from typing import *\n"
    "sys.setrecursionlimit(1 << 16)\n"
)


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Rows of a JSONL file we append to; a last line cut short by an interruption is ignored."""
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    rows = []
    for lineno, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError:
            if lineno == len(lines):
                break  # re-done on this run
            raise ValueError(f"{path}:{lineno}: not valid JSON") from None
    return rows


def _open_append(path: Path):
    """Open a JSONL file for appending, first dropping a last line cut short by an interruption."""
    if path.exists() and path.stat().st_size:
        data = path.read_bytes()
        if not data.endswith(b"\n"):
            path.write_bytes(data[: data.rfind(b"\n") + 1])
    return path.open("a", encoding="utf-8")


def _progress(total: int, desc: str, enabled: bool):
    if not enabled or total == 0:
        return None
    try:
        from tqdm import tqdm
    except ImportError:  # pragma: no cover
        return None
    return tqdm(total=total, desc=desc, unit="samples", dynamic_ncols=True, file=sys.stderr)


# ------------------------------------------------------------------ stage 1: sample


def run_sampling(
    problems: list[lcb.Problem], k: int, cfg: SamplingConfig, out_dir: Path, *, style: str, progress: bool
) -> int:
    path = out_dir / SAMPLES
    have: dict[str, set[int]] = defaultdict(set)
    for row in _read_jsonl(path):
        have[row["question_id"]].add(int(row["index"]))
    todo = []
    for p in problems:
        missing = [i for i in range(k) if i not in have[p.question_id]]
        if missing:
            todo.append((p.question_id, lcb.build_messages(p, style=style), missing))
    total = sum(len(m) for _, _, m in todo)
    if not total:
        return 0
    bar = _progress(total, "sample", progress)
    with _open_append(path) as fh:

        def keep(c: Completion) -> None:
            row = {"question_id": c.key, **{k: v for k, v in asdict(c).items() if k != "key"}}
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
            fh.flush()
            if bar is not None:
                bar.update(1)

        try:
            return sample_all(cfg, todo, keep)
        finally:
            if bar is not None:
                bar.close()


# ------------------------------------------------------------------ stage 2: judge


def _samples_by_problem(out_dir: Path, k: int) -> dict[str, dict[int, dict[str, Any]]]:
    by: dict[str, dict[int, dict[str, Any]]] = defaultdict(dict)
    for row in _read_jsonl(out_dir / SAMPLES):
        if int(row["index"]) < k:
            by[row["question_id"]][int(row["index"])] = row
    return by


def run_judging(
    problems: list[lcb.Problem],
    k: int,
    out_dir: Path,
    *,
    judge_url: str | None,
    time_limit_s: float,
    memory_mb: int,
    concurrency: int | None,
    prelude: str = PRELUDE,
    chunk: int = 256,
    progress: bool = True,
) -> int:
    """Judge every sample that has no scored judgement yet; returns how many were judged now."""
    from xcoder_client import JudgeClient
    from xcoder_client.checkers import task_checker
    from xcoder_client.extract import extract_code
    from xcoder_client.testcases import build_submission, parse_tests
    from xcoder_wire.schemas import Limits

    samples = _samples_by_problem(out_dir, k)
    done = {
        (r["question_id"], int(r["index"]))
        for r in _read_jsonl(out_dir / JUDGEMENTS)
        if r.get("scored", True)
    }
    limits = Limits(time_s=time_limit_s, memory_mb=memory_mb)

    direct: list[dict[str, Any]] = []  # no code: wrong without running anything
    pending: list[tuple[dict[str, Any], Any]] = []
    for p in problems:
        suite = checker = None
        for index, row in sorted(samples.get(p.question_id, {}).items()):
            if (p.question_id, index) in done:
                continue
            record = {"question_id": p.question_id, "index": index}
            extraction = extract_code(row["text"], "python")
            if not extraction.ok:
                direct.append(
                    {
                        **record,
                        "extract": extraction.status.value,
                        "verdict": None,
                        "correct": False,
                        "scored": True,
                    }
                )
                continue
            if suite is None:
                try:
                    suite = parse_tests(p.row)
                    checker = task_checker(p.row)
                except ValueError as exc:
                    raise SystemExit(f"{p.question_id}: cannot read its tests: {exc}") from exc
            source = prelude + "\n" + extraction.code if prelude else extraction.code
            submission = build_submission(
                source, suite, limits=limits, checker=checker, stop_on_first_failure=True
            )
            pending.append(({**record, "extract": "ok"}, submission))

    path = out_dir / JUDGEMENTS
    with _open_append(path) as fh:
        for rec in direct:
            fh.write(json.dumps(rec) + "\n")
        if not pending:
            return len(direct)
        bar = _progress(len(pending), "judge", progress)
        options: dict[str, Any] = {}
        if concurrency:
            options["max_concurrency"] = concurrency
        try:
            with JudgeClient(judge_url, **options) as client:
                for start in range(0, len(pending), chunk):
                    part = pending[start : start + chunk]
                    results = client.judge(
                        [s for _, s in part],
                        on_error="unscored",
                        progress=(lambda w: bar.update(w)) if bar is not None else None,
                    )
                    for (rec, _), result in zip(part, results, strict=True):
                        rec = {
                            **rec,
                            "verdict": result.verdict.value,
                            "correct": bool(result.accepted),
                            "scored": bool(result.scored),
                            "passed": result.passed,
                            "total": result.total,
                        }
                        fh.write(json.dumps(rec) + "\n")
                    fh.flush()
        finally:
            if bar is not None:
                bar.close()
    return len(direct) + len(pending)


# ------------------------------------------------------------------ stage 3: report


def problem_scores(problems: list[lcb.Problem], k: int, out_dir: Path) -> list[metrics.ProblemScore]:
    latest: dict[tuple[str, int], dict[str, Any]] = {}
    for r in _read_jsonl(out_dir / JUDGEMENTS):
        if int(r["index"]) < k:
            key = (r["question_id"], int(r["index"]))
            # a scored judgement is final; an unscored one may be replaced by a later retry
            if key not in latest or not latest[key].get("scored", True):
                latest[key] = r
    scores = []
    for p in problems:
        records = [latest[(p.question_id, i)] for i in range(k) if (p.question_id, i) in latest]
        scored = [r for r in records if r.get("scored", True)]
        scores.append(
            metrics.ProblemScore(
                question_id=p.question_id,
                n=len(scored),
                c=sum(1 for r in scored if r["correct"]),
                difficulty=p.difficulty,
                month=p.month,
                platform=p.platform,
                unscored=len(records) - len(scored),
            )
        )
    return scores


def default_ks(k: int) -> list[int]:
    return sorted({x for x in (1, 2, 4, 8, 16, 32, 64, k) if x <= k})


def write_report(
    problems: list[lcb.Problem], k: int, out_dir: Path, *, ks: list[int], meta: dict[str, Any]
) -> dict[str, Any]:
    scores = problem_scores(problems, k, out_dir)
    rep = metrics.report(scores, ks)
    incomplete = [s.question_id for s in scores if s.n < k]
    full = {
        "k": k,
        **meta,
        **rep,
        "incomplete_problems": incomplete,
        "per_problem": [asdict(s) for s in scores],
    }
    (out_dir / "report.json").write_text(json.dumps(full, indent=2) + "\n")
    title = f"LiveCodeBench ({meta.get('model', 'model')}, {len(problems)} problems, k={k})"
    md = metrics.markdown(rep, k=k, title=title)
    if incomplete:
        md += f"\n{len(incomplete)} problems have fewer than {k} judged samples.\n"
    (out_dir / "report.md").write_text(md)
    return full


# ------------------------------------------------------------------ CLI


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m eval.evaluate",
        description="LiveCodeBench-style avg@k / pass@k through an OpenAI-compatible endpoint and the judge.",
    )
    data = p.add_argument_group("problems")
    data.add_argument(
        "--problems", required=True, help="LiveCodeBench release folder (test*.jsonl) or one JSONL"
    )
    data.add_argument(
        "--release",
        default="release_v6",
        help="release_vN (cumulative), vN (one increment) or release_latest (default: %(default)s)",
    )
    data.add_argument("--window", choices=sorted(lcb.WINDOWS), help="the paper's contest-date windows")
    data.add_argument("--start-date", type=date.fromisoformat, help="contest_date >= this (YYYY-MM-DD)")
    data.add_argument("--end-date", type=date.fromisoformat, help="contest_date < this (YYYY-MM-DD)")
    data.add_argument("--difficulty", nargs="+", help="keep only these difficulties (easy medium hard)")
    data.add_argument("--platform", nargs="+", help="keep only these platforms (leetcode codeforces atcoder)")
    data.add_argument("--limit", type=int, help="first N problems after filtering (smoke runs)")

    s = p.add_argument_group("sampling (OpenAI-compatible endpoint)")
    s.add_argument("--endpoint", help="base URL, e.g. http://127.0.0.1:8001/v1 (needed for the sample stage)")
    s.add_argument("--model", help="model name as the endpoint knows it")
    s.add_argument("--api-key", help="bearer token for the endpoint (default: none)")
    s.add_argument(
        "--k", type=int, default=8, help="samples per problem (default: %(default)s, the paper's avg@8)"
    )
    s.add_argument("--temperature", type=float, default=0.6)
    s.add_argument("--top-p", type=float, default=0.95)
    s.add_argument("--max-tokens", type=int, default=30720)
    s.add_argument("--n-per-request", type=int, default=8, help="use 1 for servers without `n` support")
    s.add_argument("--concurrency", type=int, default=32, help="requests in flight")
    s.add_argument("--seed", type=int)
    s.add_argument("--max-retries", type=int, default=5, help="per request, on 429/5xx/network errors")
    s.add_argument("--retry-backoff", type=float, default=1.0, help="first retry delay in seconds (doubles)")
    s.add_argument("--prompt-style", choices=("lcb", "plain"), default="lcb")
    s.add_argument(
        "--extra-body",
        type=json.loads,
        default={},
        help="JSON merged into each request, e.g. '{\"top_k\": 20}'",
    )

    j = p.add_argument_group("judging")
    j.add_argument("--judge-url", help="judge base URL (default: XCODER_CLIENT_JUDGE_URL)")
    j.add_argument(
        "--time-limit", type=float, default=6.0, help="CPU seconds per test (default: %(default)s)"
    )
    j.add_argument("--memory-mb", type=int, default=1024)
    j.add_argument("--judge-concurrency", type=int, help="batch requests in flight to the judge")
    j.add_argument(
        "--no-prelude",
        action="store_true",
        help="do not prepend LiveCodeBench's standard imports to programs",
    )

    o = p.add_argument_group("output")
    o.add_argument("--out-dir", required=True, type=Path)
    o.add_argument(
        "--stages", default="sample,judge,report", help="comma-separated subset of sample,judge,report"
    )
    o.add_argument("--pass-k", type=int, nargs="+", help="k values for pass@k (default: 1,2,4,… up to --k)")
    o.add_argument("--no-progress", action="store_true")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    stages = {x.strip() for x in args.stages.split(",") if x.strip()}
    unknown = stages - {"sample", "judge", "report"}
    if unknown:
        print(f"error: unknown stages {sorted(unknown)}", file=sys.stderr)
        return 2
    if args.k < 1:
        print("error: --k must be at least 1", file=sys.stderr)
        return 2
    try:
        problems = lcb.load_problems(
            args.problems,
            release=args.release,
            window=args.window,
            start_date=args.start_date,
            end_date=args.end_date,
            difficulties=args.difficulty,
            platforms=args.platform,
        )
    except (FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.limit is not None:
        problems = problems[: args.limit]
    if not problems:
        print("error: no problems left after filtering", file=sys.stderr)
        return 2
    args.out_dir.mkdir(parents=True, exist_ok=True)
    progress = not args.no_progress
    print(f"{len(problems)} problems, k={args.k}, output in {args.out_dir}", file=sys.stderr)

    if "sample" in stages:
        if not args.endpoint or not args.model:
            print("error: the sample stage needs --endpoint and --model", file=sys.stderr)
            return 2
        cfg = SamplingConfig(
            base_url=args.endpoint,
            model=args.model,
            api_key=args.api_key,
            temperature=args.temperature,
            top_p=args.top_p,
            max_tokens=args.max_tokens,
            n_per_request=args.n_per_request,
            concurrency=args.concurrency,
            seed=args.seed,
            max_retries=args.max_retries,
            backoff_s=args.retry_backoff,
            extra_body=args.extra_body,
        )
        try:
            got = run_sampling(
                problems, args.k, cfg, args.out_dir, style=args.prompt_style, progress=progress
            )
        except SamplingError as exc:
            print(f"error: sampling failed: {exc}", file=sys.stderr)
            return 1
        print(f"sampled {got} completions", file=sys.stderr)

    if "judge" in stages:
        from xcoder_client.errors import JudgeError

        try:
            judged = run_judging(
                problems,
                args.k,
                args.out_dir,
                judge_url=args.judge_url,
                time_limit_s=args.time_limit,
                memory_mb=args.memory_mb,
                concurrency=args.judge_concurrency,
                prelude="" if args.no_prelude else PRELUDE,
                progress=progress,
            )
        except JudgeError as exc:
            print(f"error: judging failed: {exc}", file=sys.stderr)
            return 1
        print(f"judged {judged} samples", file=sys.stderr)

    if "report" in stages:
        meta = {
            "model": args.model,
            "release": args.release,
            "window": args.window,
            "start_date": args.start_date.isoformat() if args.start_date else None,
            "end_date": args.end_date.isoformat() if args.end_date else None,
            "temperature": args.temperature,
            "top_p": args.top_p,
            "max_tokens": args.max_tokens,
            "prompt_style": args.prompt_style,
            "time_limit_s": args.time_limit,
            "prelude": not args.no_prelude,
        }
        full = write_report(problems, args.k, args.out_dir, ks=args.pass_k or default_ks(args.k), meta=meta)
        print((args.out_dir / "report.md").read_text())
        if full["incomplete_problems"]:
            print(
                f"warning: {len(full['incomplete_problems'])} problems have fewer than {args.k} judged samples",
                file=sys.stderr,
            )
        if full["overall"].get("unscored_samples"):
            print(
                f"warning: {full['overall']['unscored_samples']} samples could not be judged (judge errors); "
                "run the same command again to retry them",
                file=sys.stderr,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
