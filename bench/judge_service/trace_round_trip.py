"""Where an idle 1-test round trip spends its time, hop by hop (HTTP in → verdict out).

    .venv/bin/python bench/judge_service/trace_round_trip.py             # 200 round trips
    .venv/bin/python bench/judge_service/trace_round_trip.py --n 50 --api-setting coalesce_window_ms=0

It starts the judge as bench_service.py does (API + worker on a Redis of its own, and an
in-process engine for reference), with hop_tracer/ first on the judge processes' PYTHONPATH:
its sitecustomize timestamps a few methods in the API and the worker (wall clock, one time line
for the three processes). Requests go one at a time, so every event between a request's send
and its answer belongs to it. Printed: the p50 of each hop of the chain, and the bare engine's
p50 for the same submission, measured alternately in the same run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
from xcoder_judge.config import Settings
from xcoder_judge.engine import Engine
from xcoder_judge.local_cluster import JudgeCluster, claim_uid_block
from xcoder_judge.service.embedded_redis import EmbeddedRedis

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_service import Seeds, engine_call, native_call, pct, run_code_call, teardown

TRACER = Path(__file__).resolve().parent / "hop_tracer"

# (label, from event, to event): consecutive links of one chain from send to answer.
CHAIN = [
    ("HTTP in: client, uvicorn, FastAPI, pydantic", "client.send", "api.submit.in"),
    ("admission + job hash (RQ Job.to_dict)", "api.submit.in", "api.enqueue.in"),
    ("enqueue → worker has the job (BLMOVE wake, fetch)", "api.enqueue.in", "worker.dequeue.out"),
    ("worker: restore job → start transaction", "worker.dequeue.out", "worker.start.in"),
    ("worker: start transaction (1 round trip)", "worker.start.in", "worker.start.out"),
    ("worker: RQ perform_job → engine", "worker.start.out", "worker.engine.in"),
    ("engine.judge (sandboxed run)", "worker.engine.in", "worker.engine.out"),
    ("worker: result JSON, RQ finalize", "worker.engine.out", "worker.finish.in"),
    ("finish transaction → API woken (notice)", "worker.finish.in", "api.wake.in"),
    ("API: woken → handler returns", "api.wake.in", "api.submit.out"),
    ("response out: encode, uvicorn, client", "api.submit.out", "client.recv"),
]
# Side figures (inside or beside the chain).
SIDE = [
    ("  of which building the job hash", "api.build.in", "api.build.out"),
    ("  enqueue round trip as the API sees it", "api.enqueue.in", "api.enqueue.out"),
    ("  enqueue → BLMOVE returns in the worker", "api.enqueue.in", "worker.blmove.out"),
    ("  job fetch after BLMOVE (HGETALL round trip)", "worker.fetch.in", "worker.fetch.out"),
    ("  finish transaction as the worker sees it", "worker.finish.in", "worker.finish.out"),
]


def read_events(path: Path) -> list[tuple[float, str]]:
    out = []
    for line in path.read_text().splitlines():
        name, _, at = line.partition(" ")
        out.append((float(at), name))
    return sorted(out)


def per_request(
    events: list[tuple[float, str]], windows: list[tuple[float, float]]
) -> list[dict[str, float]]:
    """Each request's events (the first of each name within its send..answer window)."""
    rows = []
    i = 0
    for send, recv in windows:
        row = {"client.send": send, "client.recv": recv}
        while i < len(events) and events[i][0] < send:
            i += 1
        j = i
        while j < len(events) and events[j][0] <= recv:
            row.setdefault(events[j][1], events[j][0])
            j += 1
        i = j
        rows.append(row)
    return rows


def hop_table(rows: list[dict[str, float]]) -> list[tuple[str, float, int]]:
    out = []
    for label, a, b in CHAIN + SIDE:
        xs = [1000 * (r[b] - r[a]) for r in rows if a in r and b in r]
        out.append((label, statistics.median(xs) if xs else float("nan"), len(xs)))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=200, help="round trips (after 20 not counted)")
    ap.add_argument("--slots", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--route", choices=("native", "run_code"), default="native")
    ap.add_argument("--api-setting", action="append", default=[], metavar="NAME=VALUE")
    ap.add_argument(
        "--judge-src",
        type=Path,
        help="run the API and worker from this source tree's xcoder_judge (e.g. an older commit's "
        "services/judge, from `git archive`), to compare commits side by side",
    )
    args = ap.parse_args(argv)
    root = Path(tempfile.mkdtemp(prefix="xcoder-trace-rt-"))
    root.chmod(0o755)
    trace = root / "hops.txt"
    engine_uid, engine_uid_lock = claim_uid_block()
    redis_server = EmbeddedRedis(root / "redis")
    cluster: JudgeCluster | None = None
    engine: Engine | None = None
    saved = {k: os.environ.get(k) for k in ("PYTHONPATH", "XCODER_HOP_TRACE")}
    try:
        engine = Engine(
            Settings(
                slots=args.slots, cache_dir=root / "cache", work_dir=root / "engine", sandbox_uid=engine_uid
            )
        )
        engine.start()
        cluster = JudgeCluster(redis_url=redis_server.start(), root=root / "service")
        src = [str(args.judge_src.resolve())] if args.judge_src else []
        os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(TRACER), *src, saved["PYTHONPATH"]]))
        os.environ["XCODER_HOP_TRACE"] = str(trace)
        cluster.start_worker(slots=args.slots, cache_dir=root / "cache", worker_name="trace")
        cluster.start_api(**dict(kv.split("=", 1) for kv in args.api_setting))
        for k, v in saved.items():
            os.environ.pop(k, None) if v is None else os.environ.__setitem__(k, v)
        cluster.wait_ready()
        seeds = Seeds()
        on_engine = engine_call(engine)
        load0 = os.getloadavg()[0]
        with httpx.Client(base_url=cluster.url, timeout=60) as client:
            served = native_call(client) if args.route == "native" else run_code_call(client)
            windows: list[tuple[float, float]] = []
            bare: list[float] = []
            for i, sub in enumerate(seeds.load("python", args.n + 20, 1)):
                t = time.perf_counter()
                on_engine(sub)
                engine_s = time.perf_counter() - t
                item = (
                    sub
                    if args.route == "native"
                    else {"lang": "python", "source": sub["source"], **sub["tests"][0]}
                )
                send = time.time()
                if not served(item):
                    raise RuntimeError("not AC")
                recv = time.time()
                if i >= 20:
                    windows.append((send, recv))
                    bare.append(engine_s)
        load1 = os.getloadavg()[0]
        rows = per_request(read_events(trace), windows)
        total = [1000 * (r["client.recv"] - r["client.send"]) for r in rows]
        print(
            f"idle 1-test round trip via {args.route}, {len(rows)} requests, "
            f"judge from {args.judge_src or 'this checkout'}, "
            f"{' '.join(args.api_setting) or 'default settings'}, load {load0:.1f} → {load1:.1f}"
        )
        print(f"{'hop':<54}{'p50 ms':>8}{'n':>6}")
        for label, ms, n in hop_table(rows):
            print(f"{label:<54}{ms:>8.2f}{n:>6}")
        print(f"{'round trip (client)':<54}{statistics.median(total):>8.2f}   p95 {pct(total, 0.95):.2f}")
        print(f"{'engine alone, in process (same submissions)':<54}{1000 * statistics.median(bare):>8.2f}")
        print(
            f"{'round trip / engine alone':<54}{statistics.median(total) / (1000 * statistics.median(bare)):>8.2f}"
        )
        return 0
    finally:
        for k, v in saved.items():
            os.environ.pop(k, None) if v is None else os.environ.__setitem__(k, v)
        teardown(cluster, engine, redis_server, engine_uid_lock, root)


if __name__ == "__main__":
    raise SystemExit(main())
