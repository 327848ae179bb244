"""verl's built-in sandbox_fusion reward against two judges side by side (issue #13).

    clients/.venv-train/bin/python bench/reward/ab_coalesce_hold.py \
        --judge A=http://127.0.0.1:8123 --judge B=http://127.0.0.1:8124 [--prompts 64 --repeat 2]

Each judge is one `xcoder-judge serve` with its own fresh --cache-dir, differing in one setting
(e.g. XCODER_JUDGE_COALESCE_HOLD_MS=0 and the default). Per repeat and judge, in ABBA order so
drift on a shared machine hits both alike: our reward path (`compute_score_async`, batched) and
verl's built-in path (one /run_code per test, verl's 64-request semaphore) on distinct programs.
Reports built-in/ours per judge, wrong rewards, and how many requests each coalesced job carried
(`xcoder_judge_coalesced_requests_per_job` from each judge's /metrics, this run's share only).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_grpo_step import builtin_step, make_step, reward_step


def group_sizes(url: str) -> dict[str, float]:
    """Sum and count of the requests-per-job histogram, and of the held-groups counter."""
    text = urllib.request.urlopen(url.rstrip("/") + "/metrics", timeout=30).read().decode()
    out = {"sum": 0.0, "count": 0.0, "held": 0.0}
    for line in text.splitlines():
        if line.startswith("xcoder_judge_coalesced_requests_per_job_sum"):
            out["sum"] = float(line.split()[-1])
        elif line.startswith("xcoder_judge_coalesced_requests_per_job_count"):
            out["count"] = float(line.split()[-1])
        elif line.startswith("xcoder_judge_coalesce_held_total"):
            out["held"] = float(line.split()[-1])
    return out


def load() -> float:
    return os.getloadavg()[0]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--judge", action="append", required=True, metavar="NAME=URL")
    ap.add_argument("--prompts", type=int, default=64)
    ap.add_argument("--rollouts", type=int, default=8)
    ap.add_argument("--tests", type=int, default=10)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    judges = dict(j.split("=", 1) for j in args.judge)
    names = list(judges)
    runs: dict[str, dict[str, list[float]]] = {
        n: {"ours_s": [], "builtin_s": [], "wrong": [], "req_per_job": [], "held": []} for n in names
    }
    for n, url in judges.items():  # warm-up: worker interpreters, connections, imports
        kw = {"judge_url": url, "reward": "fraction", "max_tests": args.tests}
        reward_step(make_step(4, args.rollouts, args.tests, f"warm-{n}"), kw, 1, "async")
        builtin_step(make_step(2, args.rollouts, args.tests, f"warmb-{n}"), url)
    loads = [load()]
    for rep in range(args.repeat):
        order = names if rep % 2 == 0 else names[::-1]
        for n in order:
            url = judges[n]
            kw = {"judge_url": url, "reward": "fraction", "max_tests": args.tests}
            ours_s, _ = reward_step(
                make_step(args.prompts, args.rollouts, args.tests, f"o{rep}{n}"), kw, 1, "async"
            )
            before = group_sizes(url)
            step = make_step(args.prompts, args.rollouts, args.tests, f"b{rep}{n}")
            b_s, scores = builtin_step(step, url)
            after = group_sizes(url)
            wrong = sum(
                1
                for r, sc in zip(step, scores, strict=True)
                if (sc != r["expected"] if r["expected"] is not None else sc >= 1.0)
            )
            jobs = after["count"] - before["count"]
            r = runs[n]
            r["ours_s"].append(round(ours_s, 2))
            r["builtin_s"].append(round(b_s, 2))
            r["wrong"].append(wrong)
            r["req_per_job"].append(round((after["sum"] - before["sum"]) / jobs, 2) if jobs else 0.0)
            r["held"].append(after["held"] - before["held"])
            loads.append(load())
            print(
                f"rep {rep} {n}: ours {ours_s:.1f}s builtin {b_s:.1f}s wrong {wrong} "
                f"req/job {r['req_per_job'][-1]} load {loads[-1]:.1f}",
                file=sys.stderr,
                flush=True,
            )
    summary = {
        n: {
            **r,
            "builtin_vs_ours": round(sum(r["builtin_s"]) / sum(r["ours_s"]), 3),
        }
        for n, r in runs.items()
    }
    report = {
        "judges": judges,
        "prompts": args.prompts,
        "rollouts": args.rollouts,
        "tests": args.tests,
        "repeat": args.repeat,
        "load_1min": [round(x, 1) for x in loads],
        "results": summary,
    }
    print(json.dumps(report, indent=1))
    if args.json:
        args.json.write_text(json.dumps(report, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
