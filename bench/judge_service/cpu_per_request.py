"""Where the CPU of a served submission goes, process by process, next to the bare engine.

    .venv/bin/python bench/judge_service/cpu_per_request.py --shape run_code
    .venv/bin/python bench/judge_service/cpu_per_request.py --shape native --client stdlib

On a 2-core machine the throughput ratios of bench_service.py are ratios of CPU per test: the
client, the API, the worker, Redis and the sandboxed tests all share the same cores. This
script says which of them a shape's extra cost comes from. Per round: the bare engine on N
Python A+B submissions x 10 tests (16 in flight), then the same work through the service in
the chosen shape; CPU seconds per submission are read from /proc for each process (the
sandbox tree: every descendant of the worker, with the children it reaped).

`--client httpx` (the default, as in bench_service.py) posts with httpx's sync client from
16 threads; `--client stdlib` with one `http.client` keep-alive connection per thread, which
sends headers and body in one write as `requests` (verl's client) does, where httpx sends two.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import sys
import tempfile
import threading
import urllib.parse
from collections.abc import Callable
from pathlib import Path

import httpx
import psutil
from xcoder_judge.config import Settings
from xcoder_judge.engine import Engine
from xcoder_judge.local_cluster import JudgeCluster, claim_uid_block
from xcoder_judge.service.embedded_redis import EmbeddedRedis

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_service as bs

PARTS = ("client", "api", "worker", "sandbox", "redis")


class StdlibResponse:
    def __init__(self, status: int, data: bytes) -> None:
        self.status_code, self._data = status, data

    def json(self) -> object:
        return json.loads(self._data)

    @property
    def text(self) -> str:
        return self._data.decode("utf-8", "replace")


class StdlibClient:
    """`post(path, json=..., params=...)` over one keep-alive http.client connection per thread."""

    def __init__(self, base_url: str) -> None:
        url = urllib.parse.urlsplit(base_url)
        self._host, self._port = url.hostname or "127.0.0.1", url.port or 80
        self._local = threading.local()

    def post(self, path: str, json: object = None, params: dict | None = None) -> StdlibResponse:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = http.client.HTTPConnection(self._host, self._port, timeout=600)
        query = f"?{urllib.parse.urlencode(params)}" if params else ""
        body = _dumps(json)
        conn.request("POST", path + query, body, {"Content-Type": "application/json"})
        response = conn.getresponse()
        return StdlibResponse(response.status, response.read())


def _dumps(value: object) -> bytes:
    return json.dumps(value).encode()


def own_cpu(pid: int) -> float:
    t = psutil.Process(pid).cpu_times()
    return t.user + t.system


def tree_cpu(pid: int) -> float:
    """CPU of every descendant of `pid` (not itself), with what they reaped of their children."""
    total = 0.0
    for proc in psutil.Process(pid).children(recursive=True):
        try:
            t = proc.cpu_times()
        except psutil.Error:  # ended meanwhile: its parent has its time now
            continue
        total += t.user + t.system + t.children_user + t.children_system
    return total


def redis_pids(root: Path) -> list[int]:
    return [
        p.pid
        for p in psutil.process_iter(["name", "cmdline"])
        if "redis-server" in (p.info["name"] or "") and str(root) in " ".join(p.info["cmdline"] or [])
    ]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shape", choices=("native", "run_code", "judge", "long_batch"), default="run_code")
    ap.add_argument("--client", choices=("httpx", "stdlib"), default="httpx")
    ap.add_argument("--submissions", type=int, default=150)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--slots", type=int, default=2)
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args(argv)
    n, per, inflight = args.submissions, 10, 16

    root = Path(tempfile.mkdtemp(prefix="xcoder-cpu-per-request-"))
    root.chmod(0o755)
    uid, uid_lock = claim_uid_block()
    redis_server = EmbeddedRedis(root / "redis")
    engine: Engine | None = None
    cluster: JudgeCluster | None = None
    rows: list[dict[str, float]] = []
    try:
        engine = Engine(
            Settings(slots=args.slots, cache_dir=root / "cache", work_dir=root / "ew", sandbox_uid=uid)
        )
        engine.start()
        engine.wait_pch()
        cluster = JudgeCluster(redis_url=redis_server.start(), root=root / "service")
        cluster.start_worker(slots=args.slots, cache_dir=root / "cache", worker_name="cpu")
        cluster.start_api()
        cluster.wait_ready()
        pids = {p.name: p.popen.pid for p in cluster.procs}
        api, worker, rpids, me = pids["api"], pids["worker"], redis_pids(root), os.getpid()
        limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
        with httpx.Client(base_url=cluster.url, timeout=600, limits=limits) as hx:
            client = hx if args.client == "httpx" else StdlibClient(cluster.url)
            shapes: dict[str, Callable[[dict], bool]] = {
                "native": bs.native_call(client),  # type: ignore[arg-type]
                "run_code": bs.run_code_call(client),  # type: ignore[arg-type]
                "judge": bs.judge_call(client),  # type: ignore[arg-type]
                "long_batch": bs.long_batch_call(client),  # type: ignore[arg-type]
            }
            served, bare = shapes[args.shape], bs.engine_call(engine)
            seeds = bs.Seeds()

            def items(count: int) -> list[dict]:
                subs = seeds.load("python", count, per)
                return bs.per_test_items(subs) if args.shape in bs.PER_TEST else subs

            def snapshot() -> tuple[float, ...]:
                return own_cpu(me), own_cpu(api), own_cpu(worker), tree_cpu(worker), sum(map(own_cpu, rpids))

            bs.run_load(bare, seeds.load("python", 40, per), inflight, 40 * per)  # warm both sides
            bs.run_load(served, items(40), inflight, 40 * per)
            for rnd in range(args.rounds):
                c0, s0 = own_cpu(me), tree_cpu(me)
                eng = bs.run_load(bare, seeds.load("python", n, per), inflight, n * per)
                c1, s1 = own_cpu(me), tree_cpu(me)
                before = snapshot()
                out = bs.run_load(served, items(n), inflight, n * per)
                after = snapshot()
                row = {
                    "engine_tests_per_s": eng["tests_per_s"],
                    "engine_process_ms": 1000 * (c1 - c0) / n,
                    "engine_sandbox_ms": 1000 * (s1 - s0) / n,
                    "tests_per_s": out["tests_per_s"],
                    **{
                        f"{part}_ms": 1000 * (b - a) / n
                        for part, a, b in zip(PARTS, before, after, strict=True)
                    },
                    "loadavg": os.getloadavg()[0],
                }
                rows.append(row)
                print(
                    f"round {rnd + 1}: engine {row['engine_tests_per_s']:.0f} tests/s "
                    f"(process {row['engine_process_ms']:.2f} + sandbox {row['engine_sandbox_ms']:.1f} ms/sub); "
                    f"{args.shape} via {args.client}: {row['tests_per_s']:.0f} tests/s, ms/sub: "
                    + " ".join(f"{part} {row[part + '_ms']:.2f}" for part in PARTS)
                    + f"; load {row['loadavg']:.1f}",
                    flush=True,
                )
            metrics = hx.get("/metrics").text
        per_job = _requests_per_job(metrics)
        median = {key: statistics.median(r[key] for r in rows) for key in rows[0]}
        overhead = sum(median[f"{p}_ms"] for p in PARTS if p != "sandbox")
        print(
            f"median: {args.shape} via {args.client}: {median['tests_per_s'] / median['engine_tests_per_s']:.2f} "
            f"of the engine; outside the sandbox {overhead:.1f} ms/sub (engine process "
            f"{median['engine_process_ms']:.1f})"
            + (f"; {per_job:.1f} requests per coalesced job" if per_job else "")
        )
        if args.json:
            args.json.write_text(
                json.dumps({"shape": args.shape, "client": args.client, "rounds": rows, "median": median,
                            "requests_per_job": per_job}, indent=2) + "\n"
            )  # fmt: skip
        return 0
    finally:
        bs.teardown(cluster, engine, redis_server, uid_lock, root)


def _requests_per_job(metrics: str) -> float | None:
    values = {}
    for line in metrics.splitlines():
        for suffix in ("_sum", "_count"):
            name = "xcoder_judge_coalesced_requests_per_job" + suffix
            if line.startswith(name + " "):
                values[suffix] = float(line.split()[1])
    if values.get("_count"):
        return values["_sum"] / values["_count"]
    return None


if __name__ == "__main__":
    raise SystemExit(main())
