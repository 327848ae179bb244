"""Unique-source C++ (every submission a different program): before/after in one run.

    .venv/bin/python bench/judge_engine/bench_unique_cpp.py                       # scheduling, 4/16/160 in flight
    .venv/bin/python bench/judge_engine/bench_unique_cpp.py --inflight 16 --rounds 2
    .venv/bin/python bench/judge_engine/bench_unique_cpp.py --compare linker      # GNU ld against mold/lld

Two engines run side by side in one process, rounds interleaved, one busy at a time. With
`--compare scheduling` (default) `before` schedules compiles as one more request in their
submission's turn (`scheduling="mixed"`, the behaviour before compiles had a kind of their
own) and `after` with the default `fair` policy (runs of built programs first, one compile
lane kept open, at most one compile per CPU); both link with the default linker. With
`--compare linker` `before` links with GNU ld and `after` with the default (`auto`). Both use
the PCH. Each round sends bits/stdc++.h A+B programs, each made unique by a comment (so every
one really compiles, in the sandbox), 10 stdio tests each, from `inflight` threads (`--subs`
submissions, at least `inflight`: 160 in flight is a burst of 160, a GRPO step's shape). 4 in
flight is what one `xcoder-judge worker` with 2 slots holds (2 x slots job threads).

Per engine and in-flight level (median over rounds) it reports compiles/s, tests/s, compile p50
as the result reports it (the wait for a slot included), the submission latency, and where the
slots' time went: the share of slot time busy compiling, busy running tests, idle; the mean
compile's time on a slot and its wait; the CPU the boxes used (keepers, compilers, tests: the
process tree below the engine) and the engine process used, as shares of all CPUs' time; the machine's busy share (all
processes, other tenants included), and the load average.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_engine import CPP_AB, ab_tests, machine_facts, make_engine
from xcoder_judge.engine import Engine
from xcoder_wire.schemas import Submission, Verdict

REPO = Path(__file__).resolve().parents[2]
COMPARE = {
    "scheduling": ({"scheduling": "mixed"}, {"scheduling": "fair"}),
    "linker": ({"linker": "bfd"}, {"linker": "auto"}),
}


def tree_cpu_s() -> tuple[float, float]:
    """(this process's CPU seconds, its descendants' CPU seconds: keepers, boxes, compilers, tests).

    A live process counts its own time plus that of the children it reaped; a child still alive
    counts itself, so nothing is counted twice. The engine runs in this process.
    """
    me = psutil.Process()
    own = me.cpu_times()
    below = own.children_user + own.children_system
    for child in me.children(recursive=True):
        try:
            t = child.cpu_times()
        except psutil.Error:  # ended meanwhile: its parent has it now, or has it soon
            continue
        below += t.user + t.system + t.children_user + t.children_system
    return own.user + own.system, below


def machine_busy() -> tuple[float, float]:
    """(busy, total) jiffies of all CPUs since boot, from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    total = sum(fields[:8])
    return total - idle, total


def one_round(engine: Engine, tag: str, n_subs: int, tests_per: int, inflight: int) -> dict[str, float]:
    assert engine.sandbox is not None
    subs = [
        Submission(
            language="cpp17", source=f"// {tag} {time.time_ns()} {i}\n{CPP_AB}", tests=ab_tests(tests_per, i)
        )
        for i in range(n_subs)
    ]
    latencies: list[float] = []

    def judge(sub: Submission):
        t0 = time.perf_counter()
        r = engine.judge(sub)
        latencies.append(time.perf_counter() - t0)
        return r

    stats0, (own0, box0), mach0 = engine.sandbox.pool_stats(), tree_cpu_s(), machine_busy()
    t = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(max_workers=inflight) as pool:
        results = list(pool.map(judge, subs))
    wall = time.perf_counter() - t
    stats1, (own1, box1), mach1 = engine.sandbox.pool_stats(), tree_cpu_s(), machine_busy()
    bad = [
        r.verdict.value for r in results if r.verdict != Verdict.AC or r.compile is None or r.compile.cached
    ]
    if bad:
        raise SystemExit(f"{tag}: not every submission compiled fresh and passed: {bad[:5]}")
    times = [r.compile.time_s for r in results if r.compile is not None]
    cores = os.cpu_count() or 1
    slot_time = wall * engine.slots_total
    comp = {
        k: stats1["compile"].__dict__[k] - stats0["compile"].__dict__[k]
        for k in ("requests", "busy_s", "wait_s")
    }
    run = {k: stats1["run"].__dict__[k] - stats0["run"].__dict__[k] for k in ("requests", "busy_s", "wait_s")}
    out = {
        "wall_s": wall,
        "compiles_per_s": n_subs / wall,
        "tests_per_s": n_subs * tests_per / wall,
        "compile_p50_s": statistics.median(times),
        "latency_p50_s": statistics.median(latencies),
        "latency_p95_s": sorted(latencies)[int(0.95 * (len(latencies) - 1))],
        "slots_compiling": comp["busy_s"] / slot_time,
        "slots_running": run["busy_s"] / slot_time,
        "slots_idle": 1 - (comp["busy_s"] + run["busy_s"]) / slot_time,
        "compile_on_slot_s": comp["busy_s"] / max(1, comp["requests"]),
        "compile_wait_s": comp["wait_s"] / max(1, comp["requests"]),
        "run_wait_s": run["wait_s"] / max(1, run["requests"]),
        "engine_cpu": (own1 - own0) / (wall * cores),
        "boxes_cpu": (box1 - box0) / (wall * cores),
        "machine_busy": (mach1[0] - mach0[0]) / max(1, mach1[1] - mach0[1]),
        "loadavg_1m": os.getloadavg()[0],
    }
    return out


ROWS = (
    ("compiles_per_s", "compiles/s", ".2f"),
    ("tests_per_s", "unique-source tests/s", ".1f"),
    ("compile_p50_s", "compile p50 (wait incl.), s", ".2f"),
    ("latency_p50_s", "submission p50, s", ".2f"),
    ("latency_p95_s", "submission p95, s", ".2f"),
    ("slots_compiling", "slot time compiling", ".0%"),
    ("slots_running", "slot time running tests", ".0%"),
    ("slots_idle", "slot time idle", ".0%"),
    ("compile_on_slot_s", "compile on a slot, mean s", ".3f"),
    ("compile_wait_s", "compile wait, mean s", ".2f"),
    ("run_wait_s", "test batch wait, mean s", ".2f"),
    ("boxes_cpu", "CPU of boxes (compiles, tests)", ".0%"),
    ("engine_cpu", "CPU of the engine process", ".0%"),
    ("machine_busy", "machine CPU busy (all)", ".0%"),
    ("loadavg_1m", "load average (1 min)", ".1f"),
)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--compare", choices=list(COMPARE), default="scheduling")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument(
        "--subs", type=int, default=24, help="submissions per round per engine (at least inflight)"
    )
    ap.add_argument("--tests", type=int, default=10)
    ap.add_argument("--inflight", type=int, nargs="+", default=[4, 16, 160])
    ap.add_argument("--slots", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--json", type=Path, default=REPO / "bench" / "results" / "unique_cpp.json")
    args = ap.parse_args()

    load_start = os.getloadavg()
    root = Path(tempfile.mkdtemp(prefix="xcoder-bench-unique-"))
    os.chmod(root, 0o755)
    engines: dict[str, Engine] = {}
    before, after = COMPARE[args.compare]
    try:
        engines["before"] = make_engine(root, "before", args.slots, pch=True, **before)
        engines["after"] = make_engine(root, "after", args.slots, pch=True, sandbox_uid=63300, **after)
        for e in engines.values():
            e.wait_pch()
            one_round(e, "warm", 2, 1, 2)
        rounds: dict[str, dict[str, list[dict[str, float]]]] = {}
        for inflight in args.inflight:
            n_subs = max(args.subs, inflight)
            per = rounds[str(inflight)] = {k: [] for k in engines}
            for r in range(args.rounds):
                order = list(engines) if r % 2 == 0 else list(reversed(engines))
                for name in order:
                    print(
                        f"{inflight} in flight, round {r + 1}/{args.rounds}: {name} ({n_subs} submissions) ...",
                        file=sys.stderr,
                    )
                    per[name].append(one_round(engines[name], name, n_subs, args.tests, inflight))
        summary = {
            inflight: {
                name: {k: statistics.median(x[k] for x in rs) for k in rs[0]} for name, rs in per.items()
            }
            for inflight, per in rounds.items()
        }
        settings = {name: e.settings for name, e in engines.items()}
        labels = {
            name: f"{name} ({s.scheduling}, {e._judge.linker})"  # type: ignore[union-attr]
            for (name, s), e in zip(settings.items(), engines.values(), strict=True)
        }
        facts = machine_facts(engines["after"])
        facts["loadavg_at_start"] = [round(x, 2) for x in load_start]
        facts["loadavg_at_end"] = [round(x, 2) for x in os.getloadavg()]
        print(
            f"unique-source C++ ({args.tests} tests per submission, {args.slots} slots, "
            f"median of {args.rounds} rounds; compare {args.compare})"
        )
        for inflight, s in summary.items():
            b, a = s["before"], s["after"]
            print(f"\n{inflight} in flight{'':17}{labels['before']:>22}{labels['after']:>22}{'ratio':>8}")
            for key, label, fmt in ROWS:
                if key in b and key in a:
                    ratio = f"{a[key] / b[key]:>8.2f}" if b[key] else f"{'':>8}"
                    print(f"{label:30}{format(b[key], fmt):>22}{format(a[key], fmt):>22}{ratio}")
        print(f"\nload average at start {facts['loadavg_at_start']}, at end {facts['loadavg_at_end']}")
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(
            json.dumps(
                {
                    "machine": facts,
                    "params": vars(args) | {"json": str(args.json)},
                    "engines": labels,
                    "rounds": rounds,
                    "summary": summary,
                },
                indent=2,
            )
            + "\n"
        )
        return 0
    finally:
        for e in engines.values():
            e.close()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
