"""API CPU per one-test compat request, with the compat fast path and without, in one run.

    .venv/bin/python bench/judge_service/api_cpu_fast_path.py --path /run_code --requests 3000

Two API processes share one Redis and one worker: A serves with the fast path
(api/fast_path.py), B with XCODER_JUDGE_COMPAT_FAST_PATH=false (every request through FastAPI).
Each round sends the same number of requests to A, then to B, from 16 httpx threads, each with a
stdin of its own (identical requests would be answered from the earlier job), and reads the API
process's CPU time (user + system) from /proc before and after. Short by design: a minute or so.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from itertools import count
from pathlib import Path

import httpx
import psutil
from xcoder_judge.local_cluster import JudgeCluster
from xcoder_judge.service.embedded_redis import EmbeddedRedis

PROGRAM = "a, b = map(int, input().split())\nprint(a + b)\n"
THREADS = 16


def _body(path: str, a: int, b: int) -> dict[str, object]:
    if path == "/run_code":
        return {"code": PROGRAM, "language": "python", "stdin": f"{a} {b}\n", "run_timeout": 10}
    if path == "/run_code?refused":  # a language no judge offers: the 400 needs no Redis
        return {"code": PROGRAM, "language": "cobol", "stdin": f"{a} {b}\n"}
    return {"type": "python", "solution": PROGRAM, "input": f"{a} {b}\n", "expected_output": f"{a + b}\n"}


def _ok(path: str, response: httpx.Response, a: int, b: int) -> bool:
    if path == "/run_code?refused":
        return response.status_code == 400
    if response.status_code != 200:
        return False
    out = response.json()
    if path == "/run_code":
        return out["status"] == "Success" and out["run_result"]["stdout"].strip() == str(a + b)
    return bool(out["success"])


def _cpu(pid: int) -> float:
    times = psutil.Process(pid).cpu_times()
    return times.user + times.system


def measure(url: str, pid: int, path: str, n: int, seeds: count[int]) -> tuple[float, float]:
    """(API CPU ms per request, requests per second) for `n` requests to `url`; all must pass."""
    with httpx.Client(base_url=url, timeout=120, limits=httpx.Limits(max_connections=THREADS)) as client:
        pairs = [(next(seeds), 7) for _ in range(n)]

        def one(pair: tuple[int, int]) -> bool:
            return _ok(path, client.post(path.partition("?")[0], json=_body(path, *pair)), *pair)

        cpu, start = _cpu(pid), time.perf_counter()
        with ThreadPoolExecutor(THREADS) as pool:
            results = list(pool.map(one, pairs))
        wall, used = time.perf_counter() - start, _cpu(pid) - cpu
    if not all(results):
        raise RuntimeError(f"{results.count(False)} of {n} requests to {url}{path} failed")
    return 1000 * used / n, n / wall


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--path",
        choices=("/run_code", "/judge", "/run", "/run_code?refused"),
        default="/run_code",
        help="/run_code?refused: an unknown language, answered 400 without Redis (the framework's floor)",
    )
    ap.add_argument("--requests", type=int, default=3000, help="per API and round")
    ap.add_argument("--rounds", type=int, default=1)
    args = ap.parse_args(argv)
    root = Path(tempfile.mkdtemp(prefix="xcoder-fast-path-"))
    root.chmod(0o755)
    redis = EmbeddedRedis(root / "redis")
    cluster = JudgeCluster(redis_url=redis.start(), root=root / "service")
    try:
        cluster.start_worker(slots=2, worker_name="fast-path-bench")
        url_b = cluster.start_api("api-b", compat_fast_path="false")
        cluster.wait_ready()
        url_a = cluster.start_api("api-a")
        cluster.wait_ready()
        pids = {p.name: p.popen.pid for p in cluster.procs}
        seeds = count(1)
        measure(url_a, pids["api-a"], args.path, 200, seeds)  # warm: imports, pools, compile cache
        measure(url_b, pids["api-b"], args.path, 200, seeds)
        figures: dict[str, list[float]] = {"A": [], "B": []}
        for rnd in range(args.rounds):
            for name, url in (("A", url_a), ("B", url_b)):
                ms, rate = measure(url, pids[f"api-{name.lower()}"], args.path, args.requests, seeds)
                figures[name].append(ms)
                print(
                    f"round {rnd + 1} API {name}: {ms:.3f} ms API CPU per {args.path}, {rate:.0f} req/s",
                    flush=True,
                )
        a, b = (statistics.median(figures[k]) for k in ("A", "B"))
        print(f"median: fast path {a:.3f} ms, FastAPI {b:.3f} ms per {args.path} ({a / b:.2f} of it)")
        return 0
    finally:
        cluster.stop(kill=True)
        redis.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
