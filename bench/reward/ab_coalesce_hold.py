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
import resource
import sys
import time
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


def client_cpu_s() -> float:
    """CPU this process (verl's client threads, or ours) used so far, user + system."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def proc_cpu_s(pid: int) -> float:
    """CPU a judge process used so far (its own, not its children's), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


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
    ap.add_argument(
        "--tag",
        default=f"t{int(time.time())}",
        help="made part of every program, so no earlier run's results or compiles can serve it",
    )
    ap.add_argument(
        "--api-pid", action="append", default=[], metavar="NAME=PID", help="a judge's API process"
    )
    ap.add_argument(
        "--worker-pid", action="append", default=[], metavar="NAME=PID", help="a judge's worker process"
    )
    args = ap.parse_args()
    judges = dict(j.split("=", 1) for j in args.judge)
    api_pids = {n: int(p) for n, p in (kv.split("=", 1) for kv in args.api_pid)}
    worker_pids = {n: int(p) for n, p in (kv.split("=", 1) for kv in args.worker_pid)}
    names = list(judges)
    runs: dict[str, dict[str, list[float]]] = {
        n: {
            "ours_s": [],
            "builtin_s": [],
            "wrong": [],
            "req_per_job": [],
            "held": [],
            "client_cpu_ours_s": [],
            "client_cpu_builtin_s": [],
            "api_cpu_ours_s": [],
            "api_cpu_builtin_s": [],
            "worker_cpu_ours_s": [],
            "worker_cpu_builtin_s": [],
        }
        for n in names
    }
    for n, url in judges.items():  # warm-up: worker interpreters, connections, imports
        kw = {"judge_url": url, "reward": "fraction", "max_tests": args.tests}
        reward_step(make_step(4, args.rollouts, args.tests, f"{args.tag}warm-{n}"), kw, 1, "async")
        builtin_step(make_step(2, args.rollouts, args.tests, f"{args.tag}warmb-{n}"), url)
    loads = [load()]
    for rep in range(args.repeat):
        order = names if rep % 2 == 0 else names[::-1]
        for n in order:
            url = judges[n]
            kw = {"judge_url": url, "reward": "fraction", "max_tests": args.tests}
            pid = api_pids.get(n)
            wpid = worker_pids.get(n)
            c0, a0 = client_cpu_s(), proc_cpu_s(pid) if pid else 0.0
            w0 = proc_cpu_s(wpid) if wpid else 0.0
            ours_s, _ = reward_step(
                make_step(args.prompts, args.rollouts, args.tests, f"{args.tag}o{rep}{n}"), kw, 1, "async"
            )
            c1, a1 = client_cpu_s(), proc_cpu_s(pid) if pid else 0.0
            w1 = proc_cpu_s(wpid) if wpid else 0.0
            before = group_sizes(url)
            step = make_step(args.prompts, args.rollouts, args.tests, f"{args.tag}b{rep}{n}")
            b_s, scores = builtin_step(step, url)
            after = group_sizes(url)
            c2, a2 = client_cpu_s(), proc_cpu_s(pid) if pid else 0.0
            w2 = proc_cpu_s(wpid) if wpid else 0.0
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
            r["client_cpu_ours_s"].append(round(c1 - c0, 1))
            r["client_cpu_builtin_s"].append(round(c2 - c1, 1))
            r["api_cpu_ours_s"].append(round(a1 - a0, 1))
            r["api_cpu_builtin_s"].append(round(a2 - a1, 1))
            r["worker_cpu_ours_s"].append(round(w1 - w0, 1))
            r["worker_cpu_builtin_s"].append(round(w2 - w1, 1))
            loads.append(load())
            print(
                f"rep {rep} {n}: ours {ours_s:.1f}s builtin {b_s:.1f}s wrong {wrong} "
                f"req/job {r['req_per_job'][-1]} client cpu {c1 - c0:.1f}/{c2 - c1:.1f}s "
                f"api cpu {a1 - a0:.1f}/{a2 - a1:.1f}s worker cpu {w1 - w0:.1f}/{w2 - w1:.1f}s load {loads[-1]:.1f}",
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
