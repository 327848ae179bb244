"""Head-of-line blocking under a GRPO-shaped mix: small submissions' latency with and without big ones.

    .venv/bin/python bench/judge_service/bench_fair.py            # full run (several minutes)
    .venv/bin/python bench/judge_service/bench_fair.py --quick    # smaller samples

Two judges run side by side on this machine: `main` (what main did: the slots run the oldest
submission's tests first, `SCHEDULING=fifo`, and submissions are never split, `CHUNK_TESTS=0`)
and `fair` (the defaults: fair slots, large submissions chunked across workers). Each is
`xcoder-judge api` plus two `xcoder-judge worker`s on a Redis of its own. Both stay started; only one is busy at a
time, and the rounds alternate between them so drifting background load hits both alike.

Per round and policy:

1. without: the small submissions alone (5-20 tests each, seeded), `--inflight` in flight,
   each posted with `POST /v1/submissions?wait=...`;
2. with: the big submissions (1,000-10,000 tests) are posted first (wait=0), then the same
   small load; the round ends when the big ones are done too.

Reported: small-submission p50/p95/max latency without and with the big ones, the ratio of the
p95s (target <= 2 for `fair`), and the total tests/s of phase 2 (target: `fair` not below `main`
by more than 5%). All verdicts must be AC. JSON goes to bench/results/judge_fair.json.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import datetime as dt
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from xcoder_judge.local_cluster import JudgeCluster
from xcoder_judge.service.embedded_redis import EmbeddedRedis

REPO = Path(__file__).resolve().parents[2]
# The two judges: main's behaviour before this change (oldest submission's tests first, no
# chunks) and the current defaults (fair slots, chunked large submissions).
JUDGES: dict[str, dict[str, object]] = {
    "main": {"scheduling": "fifo", "chunk_tests": 0},
    "fair": {"scheduling": "fair"},
}
POLICIES = tuple(JUDGES)
SOURCE = "a, b = map(int, input().split())\nprint(a + b)\n"
TARGET_P95_RATIO = 2.0
TARGET_THROUGHPUT = 0.95


class BenchError(Exception):
    """A wrong or failed verdict: the figures would mean nothing."""


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, max(0, round(q * (len(xs) - 1))))] if xs else float("nan")


def submission(n_tests: int, seed: int) -> dict:
    tests = [{"input": f"{seed} {i}\n", "expected": f"{seed + i}\n"} for i in range(n_tests)]
    return {"language": "python3", "source": SOURCE, "tests": tests}


def workload(n_small: int, big_sizes: list[int], seed: int) -> tuple[list[dict], list[dict]]:
    rng = random.Random(seed)
    small = [submission(rng.randint(5, 20), seed=1000 + i) for i in range(n_small)]
    big = [submission(size, seed=9_000_000 + i) for i, size in enumerate(big_sizes)]
    return small, big


def post_and_wait(client: httpx.Client, sub: dict) -> dict:
    try:
        r = client.post("/v1/submissions", params={"wait": 600}, json=sub)
    except httpx.HTTPError as exc:
        raise BenchError(f"HTTP request failed: {exc!r}") from exc
    if r.status_code != 200:
        raise BenchError(f"HTTP {r.status_code}: {r.text[:300]}")
    result = r.json()["result"]
    if result["verdict"] != "AC":
        raise BenchError(f"verdict {result['verdict']}: {result.get('message')}")
    return result


def small_load(client: httpx.Client, subs: list[dict], inflight: int) -> list[float]:
    latencies: list[float] = []

    def one(sub: dict) -> None:
        t = time.perf_counter()
        post_and_wait(client, sub)
        latencies.append(time.perf_counter() - t)

    with concurrent.futures.ThreadPoolExecutor(max_workers=inflight) as pool:
        list(pool.map(one, subs))
    return latencies


def wait_big(client: httpx.Client, ids: list[str]) -> None:
    deadline = time.monotonic() + 1800
    while time.monotonic() < deadline:
        r = client.post("/v1/submissions/lookup", json={"ids": ids, "wait": 60})
        if r.status_code != 200:
            raise BenchError(f"lookup: HTTP {r.status_code}: {r.text[:300]}")
        items = r.json()["items"]
        if all(item["status"] == "done" for item in items):
            bad = [item["result"]["verdict"] for item in items if item["result"]["verdict"] != "AC"]
            if bad:
                raise BenchError(f"big submissions: {bad}")
            return
    raise BenchError("the big submissions did not finish within 30 minutes")


def summary(latencies: list[float]) -> dict[str, float]:
    return {
        "n": len(latencies),
        "p50_ms": pct(latencies, 0.5) * 1000,
        "p95_ms": pct(latencies, 0.95) * 1000,
        "max_ms": max(latencies) * 1000,
    }


def one_round(client: httpx.Client, small: list[dict], big: list[dict], inflight: int) -> dict:
    load_at_start = os.getloadavg()[0]
    alone = small_load(client, small, inflight)
    t = time.perf_counter()
    ids = []
    for sub in big:
        r = client.post("/v1/submissions", params={"wait": 0}, json=sub)
        if r.status_code not in (200, 202):
            raise BenchError(f"big submission: HTTP {r.status_code}: {r.text[:300]}")
        ids.append(r.json()["id"])
    mixed = small_load(client, small, inflight)
    small_done = time.perf_counter() - t
    wait_big(client, ids)
    wall = time.perf_counter() - t
    tests = sum(len(s["tests"]) for s in small) + sum(len(s["tests"]) for s in big)
    return {
        "without": summary(alone),
        "with": summary(mixed),
        "p95_ratio": pct(mixed, 0.95) / pct(alone, 0.95),
        "small_done_s": small_done,
        "mixed_wall_s": wall,
        "mixed_tests_per_s": tests / wall,
        "loadavg_1m_at_start": load_at_start,
    }


def machine_facts() -> dict[str, object]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        "unknown",
    )

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", "-C", str(REPO), *args], capture_output=True, text=True, check=False
        ).stdout.strip()

    return {
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "cpu_model": cpu,
        "vcpus": os.cpu_count(),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "commit": git("rev-parse", "--short", "HEAD"),
        "tree_dirty": bool(git("status", "--porcelain", "--", "services/judge")),
        "loadavg_at_start": os.getloadavg(),
    }


def render(report: dict) -> str:
    m, p = report["machine"], report["params"]
    lines = [
        f"machine: {m['cpu_model']}, {m['vcpus']} vCPUs, commit {m['commit']}"
        f"{' (judge tree dirty)' if m['tree_dirty'] else ''}, "
        f"load {m['loadavg_at_start'][0]:.1f} → {m['loadavg_at_end'][0]:.1f}",
        f"2 workers x {p['slots']} slots per judge; {p['small']} small submissions (5-20 tests), "
        f"{p['inflight']} in flight; big: {p['big']} tests; {p['rounds']} round(s), medians shown",
        "",
        f"{'policy':<8}{'alone p50/p95/max ms':>26}{'with big p50/p95/max ms':>30}{'p95 ×':>8}{'tests/s':>10}",
    ]
    for policy, row in report["summary"].items():
        a, w = row["without"], row["with"]
        lines.append(
            f"{policy:<8}{a['p50_ms']:>10.0f}{a['p95_ms']:>8.0f}{a['max_ms']:>8.0f}"
            f"{w['p50_ms']:>12.0f}{w['p95_ms']:>9.0f}{w['max_ms']:>9.0f}"
            f"{row['p95_ratio']:>8.2f}{row['mixed_tests_per_s']:>10.0f}"
        )
    r = report["results"]
    ok_ratio = r["fair_p95_ratio"] <= TARGET_P95_RATIO
    ok_tput = r["fair_over_main_tests_per_s"] >= TARGET_THROUGHPUT
    lines += [
        "",
        f"fair: small p95 with big / alone = {r['fair_p95_ratio']:.2f}   "
        f"{'PASS' if ok_ratio else 'FAIL'} (target <= {TARGET_P95_RATIO:g})",
        f"fair / main total tests/s with big = {r['fair_over_main_tests_per_s']:.2f}   "
        f"{'PASS' if ok_tput else 'FAIL'} (target >= {TARGET_THROUGHPUT:g})",
    ]
    return "\n".join(lines)


def median_row(rows: list[dict]) -> dict:
    def med(path: tuple[str, ...]) -> float:
        values = []
        for row in rows:
            v = row
            for key in path:
                v = v[key]
            values.append(v)
        return statistics.median(values)

    out: dict = {}
    for part in ("without", "with"):
        out[part] = {k: med((part, k)) for k in ("n", "p50_ms", "p95_ms", "max_ms")}
    for k in ("p95_ratio", "small_done_s", "mixed_wall_s", "mixed_tests_per_s"):
        out[k] = med((k,))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="smaller samples (a smoke run)")
    ap.add_argument("--slots", type=int, default=os.cpu_count() or 1, help="slots per worker")
    ap.add_argument("--inflight", type=int, default=8)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--json", type=Path, default=REPO / "bench" / "results" / "judge_fair.json")
    args = ap.parse_args(argv)
    n_small, big_sizes = (40, [1000]) if args.quick else (120, [1000, 3000])
    small, big = workload(n_small, big_sizes, seed=12)

    root = Path(tempfile.mkdtemp(prefix="xcoder-bench-fair-"))
    root.chmod(0o755)
    facts = machine_facts()
    servers: dict[str, EmbeddedRedis] = {}
    clusters: dict[str, JudgeCluster] = {}
    rounds: dict[str, list[dict]] = {p: [] for p in POLICIES}
    try:
        print("starting two judges (main, fair), two workers each ...", file=sys.stderr)
        for policy in POLICIES:
            servers[policy] = EmbeddedRedis(root / f"redis-{policy}")
            cluster = JudgeCluster(redis_url=servers[policy].start(), root=root / policy)
            clusters[policy] = cluster
            for w in range(2):
                cluster.start_worker(
                    f"{policy}-w{w}", slots=args.slots, languages="python3", **JUDGES[policy]
                )
            cluster.start_api(f"{policy}-api", **JUDGES[policy])
        for cluster in clusters.values():
            cluster.wait_ready(workers=2)
        limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
        clients = {p: httpx.Client(base_url=c.url, timeout=900, limits=limits) for p, c in clusters.items()}
        try:
            for policy in POLICIES:  # warm-up: compile, warm interpreters (not counted)
                small_load(clients[policy], small[: args.inflight * 2], args.inflight)
            for rnd in range(args.rounds):
                order = POLICIES if rnd % 2 == 0 else POLICIES[::-1]
                for policy in order:
                    print(f"round {rnd + 1} of {args.rounds}: {policy} ...", file=sys.stderr)
                    rounds[policy].append(one_round(clients[policy], small, big, args.inflight))
        finally:
            for client in clients.values():
                client.close()
        table = {p: median_row(rows) for p, rows in rounds.items()}
        report = {
            "machine": {**facts, "loadavg_at_end": os.getloadavg()},
            "params": {
                "slots": args.slots,
                "inflight": args.inflight,
                "small": n_small,
                "big": big_sizes,
                "rounds": args.rounds,
                "quick": args.quick,
            },
            "summary": table,
            "rounds": rounds,
            "results": {
                "fair_p95_ratio": table["fair"]["p95_ratio"],
                "main_p95_ratio": table["main"]["p95_ratio"],
                "fair_over_main_tests_per_s": table["fair"]["mixed_tests_per_s"]
                / table["main"]["mixed_tests_per_s"],
            },
        }
        print(render(report))
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2) + "\n")
        print(f"\nJSON written to {args.json}", file=sys.stderr)
        return 0
    except BenchError as exc:
        print(f"benchmark failed: {exc}", file=sys.stderr)
        for cluster in clusters.values():
            print(cluster.log_tail(60), file=sys.stderr)
        return 1
    finally:
        for cluster in clusters.values():
            cluster.stop(kill=True)
        for server in servers.values():
            server.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
