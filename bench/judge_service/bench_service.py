"""Judge service benchmark: the request shapes trainers send, each next to the bare engine.

    .venv/bin/python bench/judge_service/bench_service.py            # full run (several minutes)
    .venv/bin/python bench/judge_service/bench_service.py --quick    # smaller samples

In one run, on one machine, alternating so that background load hits both alike. Both sides stay
started (an in-process `Engine`; `xcoder-judge api` + `worker` with the same slots and compile
cache on a Redis of its own, unix socket, append-only, as `serve` runs it); only one is busy at a
time. For Python and C++ (A+B, the C++ binary in the compile cache), every round runs each shape
right after the bare engine (200 submissions x 10 tests, `engine.judge` from 16 threads):

- native batched: `POST /v1/submissions`, one request per submission;
- verl's built-in reward: one SandboxFusion `/run_code` per test;
- code-judge clients: one `/judge` per test;
- X-Coder's trainer: one code-judge `/judge/long-batch` per submission;

each with 16 and with 160 requests in flight. Then the idle round trip of a 1-test submission,
one at a time, through HTTP and through the engine alone.

`--b-api-setting NAME=VALUE` starts a second API on the same Redis and worker with that setting
on top of `--api-setting`, and adds the shape `run_code_b` (`/run_code` per test through it),
run right after `run_code` in each round: a before/after of an API setting, side by side.

Targets (ratios within one run): `/run_code` per test >= 0.8 of native batched (16 in flight,
same round); native batched >= 0.9 of the engine (median over adjacent pairs); idle round trip
p50 <= 2x the engine's. JSON goes to bench/results/judge_service.json.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

import httpx
from xcoder_judge.config import Settings
from xcoder_judge.engine import Engine
from xcoder_judge.local_cluster import JudgeCluster, claim_uid_block
from xcoder_judge.service.embedded_redis import EmbeddedRedis
from xcoder_wire.schemas import Submission, Verdict

REPO = Path(__file__).resolve().parents[2]
TARGETS = {
    "run_code_over_native": (">=", 0.8),
    "native_over_engine": (">=", 0.9),
    "idle_rt_over_engine": ("<=", 2.0),
}

PY_AB = "a, b = map(int, input().split())\nprint(a + b)\n"
CPP_AB = """#include <bits/stdc++.h>
using namespace std;
int main() {
    long long a, b;
    cin >> a >> b;
    cout << a + b << "\\n";
}
"""
# ours, SandboxFusion's and code-judge's name for each language, and the program
LANGS = {"python": ("python3", "python", PY_AB), "cpp": ("cpp17", "cpp", CPP_AB)}
SHAPES = ("native", "run_code", "judge", "long_batch")
SHAPE_LABELS = {
    "native": "native batched POST /v1/submissions",
    "run_code": "SandboxFusion /run_code per test",
    "judge": "code-judge /judge per test",
    "long_batch": "code-judge /judge/long-batch",
}
SHAPE_LABELS["run_code_b"] = "/run_code per test, API B"
PER_TEST = {"run_code", "run_code_b", "judge"}  # one request per test; the others, one per submission


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, max(0, round(q * (len(xs) - 1))))] if xs else float("nan")


def tests_for(k: int, seed: int) -> list[dict[str, str]]:
    return [{"input": f"{seed} {i}\n", "expected": f"{seed + i}\n"} for i in range(k)]


def submission(lang: str, k: int, seed: int) -> dict:
    language, _, source = LANGS[lang]
    return {"language": language, "source": source, "tests": tests_for(k, seed), "lang": lang}


class Seeds:
    """Fresh inputs for every run: identical /run_code requests share one job by design (its
    idempotency), so a run that repeated an earlier one's inputs would measure a cache."""

    def __init__(self) -> None:
        self._next = 1_000_000

    def load(self, lang: str, n: int, k: int) -> list[dict]:
        subs = [submission(lang, k, self._next + i * 1000) for i in range(n)]
        self._next += n * 1000
        return subs


class BenchError(Exception):
    """A benchmark run produced a wrong or failed verdict; the figures would mean nothing."""


def run_load(call: Callable[[dict], bool], items: list[dict], inflight: int, tests: int) -> dict[str, float]:
    """Run `call` on every item (a submission or one test) from `inflight` threads; all must pass."""
    latencies: list[float] = []

    def one(item: dict) -> bool:
        t = time.perf_counter()
        ok = call(item)
        latencies.append(time.perf_counter() - t)
        return ok

    t = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(max_workers=inflight) as pool:
        oks = list(pool.map(one, items))
    wall = time.perf_counter() - t
    if not all(oks):
        raise BenchError(f"benchmark verdicts were not all AC ({oks.count(False)} of {len(oks)} requests)")
    return {
        "tests_per_s": tests / wall,
        "requests": len(items),
        "inflight": inflight,
        "p50_ms": pct(latencies, 0.5) * 1000,
        "p95_ms": pct(latencies, 0.95) * 1000,
    }


def per_test_items(subs: list[dict]) -> list[dict]:
    return [{"lang": s["lang"], "source": s["source"], **t} for s in subs for t in s["tests"]]


# ------------------------------------------------------------------ the calls


def engine_call(engine: Engine) -> Callable[[dict], bool]:
    def call(sub: dict) -> bool:
        body = {k: v for k, v in sub.items() if k != "lang"}
        result = engine.judge(Submission.model_validate(body))
        if result.verdict is not Verdict.AC:
            raise BenchError(f"engine: {result.verdict.value}: {result.message}")
        return True

    return call


def _post(client: httpx.Client, path: str, body: dict, **params: object) -> dict:
    try:
        r = client.post(path, json=body, params=params or None)
    except httpx.HTTPError as exc:
        raise BenchError(f"HTTP request to {path} failed: {exc!r}") from exc
    if r.status_code != 200:
        raise BenchError(f"{path}: HTTP {r.status_code}: {r.text[:500]}")
    return r.json()


def native_call(client: httpx.Client) -> Callable[[dict], bool]:
    def call(sub: dict) -> bool:
        body = {k: v for k, v in sub.items() if k != "lang"}
        result = _post(client, "/v1/submissions", body, wait=300)["result"]
        if result["verdict"] != "AC":
            raise BenchError(f"native: {result['verdict']}: {result['message']}")
        return True

    return call


def run_code_call(client: httpx.Client) -> Callable[[dict], bool]:
    """verl's built-in sandbox_fusion reward: one /run_code per test; verl compares stdout itself."""

    def call(test: dict) -> bool:
        body = {
            "compile_timeout": 10,
            "run_timeout": 10,
            "code": test["source"],
            "stdin": test["input"],
            "memory_limit_MB": 1024,
            "language": LANGS[test["lang"]][1],
            "files": {},
            "fetch_files": [],
        }
        out = _post(client, "/run_code", body)
        return out["status"] == "Success" and out["run_result"]["stdout"].rstrip("\n") == test[
            "expected"
        ].rstrip("\n")

    return call


def judge_call(client: httpx.Client) -> Callable[[dict], bool]:
    """code-judge's clients: one /judge per test."""

    def call(test: dict) -> bool:
        body = {
            "type": LANGS[test["lang"]][1],
            "solution": test["source"],
            "input": test["input"],
            "expected_output": test["expected"],
        }
        return bool(_post(client, "/judge", body)["success"])

    return call


def long_batch_call(client: httpx.Client) -> Callable[[dict], bool]:
    """X-Coder's trainer: one /judge/long-batch per submission, one item per test."""

    def call(sub: dict) -> bool:
        items = [
            {
                "type": LANGS[sub["lang"]][1],
                "solution": sub["source"],
                "input": t["input"],
                "expected_output": t["expected"],
            }
            for t in sub["tests"]
        ]
        out = _post(client, "/judge/long-batch", {"type": "batch", "submissions": items})
        return all(x["success"] for x in out["results"])

    return call


def idle_round_trip(call: Callable[[dict], bool], seeds: Seeds, n: int) -> dict[str, float]:
    samples = []
    for i, sub in enumerate(seeds.load("python", n + 10, 1)):
        t = time.perf_counter()
        if not call(sub):
            raise BenchError("idle round trip: not AC")
        if i >= 10:  # warm-up excluded
            samples.append(time.perf_counter() - t)
    return {"n": n, "p50_ms": pct(samples, 0.5) * 1000, "p95_ms": pct(samples, 0.95) * 1000}


# ------------------------------------------------------------------ report


def machine_facts() -> dict[str, object]:
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break

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


class Releasable(Protocol):
    def release(self) -> None: ...


def teardown(
    cluster: JudgeCluster | None,
    engine: Engine | None,
    redis_server: EmbeddedRedis,
    uid_lock: Releasable,
    root: Path,
) -> None:
    """Stop both sides and free what they held (every benchmark beside the engine ends so)."""
    if cluster is not None:
        cluster.stop(kill=True)
    if engine is not None:
        engine.close()
    redis_server.stop()
    uid_lock.release()
    shutil.rmtree(root, ignore_errors=True)


def check(key: str, value: float) -> str:
    op, target = TARGETS[key]
    ok = value >= target if op == ">=" else value <= target
    return f"{'PASS' if ok else 'FAIL'} (target {op} {target:g})"


def render(report: dict) -> str:
    m, p = report["machine"], report["params"]
    lines = [
        f"machine: {m['cpu_model']}, {m['vcpus']} vCPUs, kernel {m['kernel']}, Python {m['python']}, "
        f"commit {m['commit']}{' (judge tree dirty)' if m['tree_dirty'] else ''}, "
        f"load {m['loadavg_at_start'][0]:.1f} → {m['loadavg_at_end'][0]:.1f}",
        f"slots {p['slots']}, {p['submissions']} submissions x {p['tests_per_submission']} tests, "
        f"{p['rounds']} round(s); engine: {p['engine_inflight']} submissions in flight; "
        "tests/s: median over rounds; vs engine: median of the adjacent pairs' ratios",
        "",
        f"{'shape':<46}{'in flight':>10}{'tests/s':>9}{'engine':>9}{'vs eng':>8}{'p50 ms':>9}{'p95 ms':>9}",
    ]
    for row in report["rows"].values():
        lines.append(
            f"{row['label']:<46}{row['inflight']:>10}{row['tests_per_s']:>9.0f}{row['engine_tests_per_s']:>9.0f}"
            f"{row['over_engine']:>8.2f}{row['p50_ms']:>9.1f}{row['p95_ms']:>9.1f}"
        )
    lines.append("")
    r = report["results"]
    lines.append(
        f"{'/run_code per test / native batched (Python, 16)':<52}{r['run_code_over_native']:>8.2f}   "
        f"{check('run_code_over_native', r['run_code_over_native'])}"
    )
    lines.append(
        f"{'native batched / engine (Python, 16)':<52}{r['native_over_engine']:>8.2f}   "
        f"{check('native_over_engine', r['native_over_engine'])}"
    )
    idle = report["idle"]
    lines.append(
        f"{'idle 1-test round trip p50 / engine alone':<52}{r['idle_rt_over_engine']:>8.2f}   "
        f"{check('idle_rt_over_engine', r['idle_rt_over_engine'])}"
    )
    if "run_code_b_over_native" in r:
        lines.append(
            f"{'/run_code per test, API B / native batched':<52}{r['run_code_b_over_native']:>8.2f}   "
            f"(API B: {p['b_api_settings']})"
        )
        lines.append(f"{'/run_code per test, API B / API A (same rounds)':<52}{r['run_code_b_over_a']:>8.2f}")
    for side in ("engine", "native", "run_code"):
        lines.append(
            f"{'  ' + side + ' p50 / p95 ms':<52}{idle[side]['p50_ms']:>8.1f}{idle[side]['p95_ms']:>8.1f}"
        )
    return "\n".join(lines)


def summarize(samples: dict[str, list[dict[str, float]]]) -> dict[str, dict[str, object]]:
    """Per shape: medians over rounds, and the median ratio to the engine run just before it."""
    out: dict[str, dict[str, object]] = {}
    for key, runs in samples.items():
        lang, shape, inflight = key.split("/")
        out[key] = {
            "label": f"{lang}: {SHAPE_LABELS[shape]}",
            "inflight": int(inflight),
            "tests_per_s": statistics.median(r["tests_per_s"] for r in runs),
            "engine_tests_per_s": statistics.median(r["engine_tests_per_s"] for r in runs),
            "over_engine": statistics.median(r["tests_per_s"] / r["engine_tests_per_s"] for r in runs),
            "p50_ms": statistics.median(r["p50_ms"] for r in runs),
            "p95_ms": statistics.median(r["p95_ms"] for r in runs),
        }
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="smaller samples (a smoke run)")
    ap.add_argument("--slots", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--engine-inflight", type=int, default=16, help="submissions in flight on the engine")
    ap.add_argument(
        "--inflight", type=int, nargs="+", default=[16, 160], help="requests in flight through HTTP"
    )
    ap.add_argument("--shapes", nargs="+", choices=SHAPES, default=list(SHAPES))
    ap.add_argument("--langs", nargs="+", choices=list(LANGS), default=list(LANGS))
    ap.add_argument("--rounds", type=int, default=2, help="rounds of every shape/engine pair")
    ap.add_argument("--json", type=Path, default=REPO / "bench" / "results" / "judge_service.json")
    ap.add_argument(
        "--api-setting",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="an XCODER_JUDGE_* setting for the API process (repeatable), e.g. coalesce_window_ms=2",
    )
    ap.add_argument(
        "--b-api-setting",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="start a second API with this setting too and add the shape run_code_b (repeatable)",
    )
    args = ap.parse_args(argv)
    n_subs, per = (40, 10) if args.quick else (200, 10)
    n_idle = 30 if args.quick else 200
    api_settings = dict(kv.split("=", 1) for kv in args.api_setting)
    b_settings = {**api_settings, **dict(kv.split("=", 1) for kv in args.b_api_setting)}
    shapes = list(args.shapes)
    if args.b_api_setting and "run_code" in shapes:
        shapes.insert(shapes.index("run_code") + 1, "run_code_b")

    root = Path(tempfile.mkdtemp(prefix="xcoder-bench-service-"))
    root.chmod(0o755)
    cache = root / "cache"
    engine_uid, engine_uid_lock = claim_uid_block()
    redis_server = EmbeddedRedis(root / "redis")
    cluster: JudgeCluster | None = None
    engine: Engine | None = None
    samples: dict[str, list[dict[str, float]]] = {}
    idle: dict[str, dict[str, float]] = {}
    facts = machine_facts()
    seeds = Seeds()
    try:
        print("starting the bare engine and the service ...", file=sys.stderr)
        engine = Engine(
            Settings(slots=args.slots, cache_dir=cache, work_dir=root / "engine-work", sandbox_uid=engine_uid)
        )
        engine.start()
        engine.wait_pch()
        redis_url = redis_server.start()
        cluster = JudgeCluster(redis_url=redis_url, root=root / "service")
        cluster.start_worker(slots=args.slots, cache_dir=cache, worker_name="bench")
        url_a = cluster.start_api(**api_settings)
        cluster.wait_ready()
        url_b = None
        if "run_code_b" in shapes:
            url_b = cluster.start_api("api-b", **b_settings)
            cluster.wait_ready()
            cluster.url = url_a
        limits = httpx.Limits(max_connections=512, max_keepalive_connections=512)
        client_b = httpx.Client(base_url=url_b or url_a, timeout=600, limits=limits)
        with httpx.Client(base_url=url_a, timeout=600, limits=limits) as client, client_b:
            on_engine = engine_call(engine)
            calls = {
                "native": native_call(client),
                "run_code": run_code_call(client),
                "run_code_b": run_code_call(client_b),
                "judge": judge_call(client),
                "long_batch": long_batch_call(client),
            }
            print("warm-up (not counted) ...", file=sys.stderr)
            for lang in args.langs:  # compile once (shared cache), warm the slots on both sides
                warm = seeds.load(lang, n_subs // 4, per)
                run_load(on_engine, warm, args.engine_inflight, len(warm) * per)
                for shape in shapes:
                    items = per_test_items(warm) if shape in PER_TEST else warm
                    run_load(calls[shape], items, max(args.inflight), len(warm) * per)
            idle["engine"] = idle_round_trip(on_engine, seeds, n_idle)
            idle["native"] = idle_round_trip(calls["native"], seeds, n_idle)
            idle["run_code"] = idle_round_trip(
                lambda sub: calls["run_code"](per_test_items([sub])[0]), seeds, n_idle
            )
            for rnd in range(args.rounds):
                for lang in args.langs:
                    for inflight in args.inflight:
                        for shape in shapes:
                            print(
                                f"round {rnd + 1}/{args.rounds}: {lang}, {shape}, {inflight} in flight "
                                f"(load {os.getloadavg()[0]:.1f}) ...",
                                file=sys.stderr,
                            )
                            bare_load = seeds.load(lang, n_subs, per)
                            bare = run_load(on_engine, bare_load, args.engine_inflight, n_subs * per)
                            subs = seeds.load(lang, n_subs, per)
                            items = per_test_items(subs) if shape in PER_TEST else subs
                            served = run_load(calls[shape], items, inflight, n_subs * per)
                            served["engine_tests_per_s"] = bare["tests_per_s"]
                            served["loadavg"] = os.getloadavg()[0]
                            samples.setdefault(f"{lang}/{shape}/{inflight}", []).append(served)

        table = summarize(samples)
        results: dict[str, float] = {
            "idle_rt_over_engine": idle["native"]["p50_ms"] / idle["engine"]["p50_ms"],
        }
        base = f"python/native/{args.inflight[0]}"
        if base in samples:
            results["native_over_engine"] = float(table[base]["over_engine"])  # type: ignore[arg-type]
            rc = f"python/run_code/{args.inflight[0]}"
            if rc in samples:
                results["run_code_over_native"] = statistics.median(
                    a["tests_per_s"] / b["tests_per_s"]
                    for a, b in zip(samples[rc], samples[base], strict=True)
                )
            rcb = f"python/run_code_b/{args.inflight[0]}"
            if rcb in samples and rc in samples:
                results["run_code_b_over_native"] = statistics.median(
                    a["tests_per_s"] / b["tests_per_s"]
                    for a, b in zip(samples[rcb], samples[base], strict=True)
                )
                results["run_code_b_over_a"] = statistics.median(
                    a["tests_per_s"] / b["tests_per_s"]
                    for a, b in zip(samples[rcb], samples[rc], strict=True)
                )
        report = {
            "machine": {**facts, "loadavg_at_end": os.getloadavg()},
            "params": {
                "slots": args.slots,
                "engine_inflight": args.engine_inflight,
                "inflight": args.inflight,
                "submissions": n_subs,
                "tests_per_submission": per,
                "rounds": args.rounds,
                "quick": args.quick,
                "api_settings": api_settings,
                "b_api_settings": b_settings if url_b else None,
            },
            "rows": table,
            "all_rounds": samples,
            "idle": idle,
            "results": results,
            "targets": {k: {"op": op, "value": v} for k, (op, v) in TARGETS.items()},
        }
        for key in TARGETS:
            results.setdefault(key, float("nan"))
        print(render(report))
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2) + "\n")
        print(f"\nJSON written to {args.json}", file=sys.stderr)
        return 0
    except BenchError as exc:
        print(f"benchmark failed: {exc}", file=sys.stderr)
        if cluster is not None:
            print(cluster.log_tail(80), file=sys.stderr)
        return 1
    finally:
        teardown(cluster, engine, redis_server, engine_uid_lock, root)


if __name__ == "__main__":
    raise SystemExit(main())
