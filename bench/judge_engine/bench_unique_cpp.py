"""Unique-source C++ (every submission a different program): before/after in one run.

    .venv/bin/python bench/judge_engine/bench_unique_cpp.py            # 4 rounds x 24 submissions
    .venv/bin/python bench/judge_engine/bench_unique_cpp.py --rounds 2 --subs 8

Two engines run side by side in one process, rounds interleaved: `before` links with GNU ld
(`linker="bfd"`, the behaviour before the linker choice), `after` with the engine's default
(`linker="auto"`: mold, lld or gold where installed). Both use the PCH. Each round sends the
same number of bits/stdc++.h A+B programs, each made unique by a comment (so every one really
compiles, in the sandbox), 10 stdio tests each, 16 in flight. It reports compiles/s, compile p50
and tests/s per engine (median over rounds) and the load average at start and end.
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

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_engine import CPP_AB, ab_tests, machine_facts, make_engine
from xcoder_judge.engine import Engine
from xcoder_wire.schemas import Submission, Verdict

REPO = Path(__file__).resolve().parents[2]


def one_round(engine: Engine, tag: str, n_subs: int, tests_per: int, inflight: int) -> dict[str, float]:
    subs = [
        Submission(
            language="cpp17", source=f"// {tag} {time.time_ns()} {i}\n{CPP_AB}", tests=ab_tests(tests_per, i)
        )
        for i in range(n_subs)
    ]
    t = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(max_workers=inflight) as pool:
        results = list(pool.map(engine.judge, subs))
    wall = time.perf_counter() - t
    bad = [
        r.verdict.value for r in results if r.verdict != Verdict.AC or r.compile is None or r.compile.cached
    ]
    if bad:
        raise SystemExit(f"{tag}: not every submission compiled fresh and passed: {bad[:5]}")
    times = [r.compile.time_s for r in results if r.compile is not None]
    return {
        "wall_s": wall,
        "compiles_per_s": n_subs / wall,
        "tests_per_s": n_subs * tests_per / wall,
        "compile_p50_s": statistics.median(times),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--subs", type=int, default=24, help="submissions per round per engine")
    ap.add_argument("--tests", type=int, default=10)
    ap.add_argument("--inflight", type=int, default=16)
    ap.add_argument("--slots", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--json", type=Path, default=REPO / "bench" / "results" / "unique_cpp.json")
    args = ap.parse_args()

    load_start = os.getloadavg()
    root = Path(tempfile.mkdtemp(prefix="xcoder-bench-unique-"))
    os.chmod(root, 0o755)
    engines: dict[str, Engine] = {}
    try:
        engines["before"] = make_engine(root, "before", args.slots, pch=True, linker="bfd")
        engines["after"] = make_engine(root, "after", args.slots, pch=True, linker="auto", sandbox_uid=63300)
        for e in engines.values():
            e.wait_pch()
            one_round(e, "warm", 2, 1, 2)
        rounds: dict[str, list[dict[str, float]]] = {k: [] for k in engines}
        for r in range(args.rounds):
            order = list(engines) if r % 2 == 0 else list(reversed(engines))
            for name in order:
                print(f"round {r + 1}/{args.rounds}: {name} ...", file=sys.stderr)
                rounds[name].append(one_round(engines[name], name, args.subs, args.tests, args.inflight))
        summary = {
            name: {k: statistics.median(x[k] for x in rs) for k in rs[0]} for name, rs in rounds.items()
        }
        summary["linkers"] = {name: e._judge.linker for name, e in engines.items()}
        facts = machine_facts(engines["after"])
        facts["loadavg_at_start"] = [round(x, 2) for x in load_start]
        facts["loadavg_at_end"] = [round(x, 2) for x in os.getloadavg()]
        b, a = summary["before"], summary["after"]
        print(
            f"unique-source C++ ({args.subs} submissions x {args.tests} tests per round, median of {args.rounds})"
        )
        print(
            f"{'':24}{'before (' + summary['linkers']['before'] + ')':>16}{'after (' + summary['linkers']['after'] + ')':>16}{'ratio':>8}"
        )
        for key, label in (
            ("compiles_per_s", "compiles/s"),
            ("tests_per_s", "tests/s"),
            ("compile_p50_s", "compile p50, s"),
        ):
            print(f"{label:24}{b[key]:>16.2f}{a[key]:>16.2f}{a[key] / b[key]:>8.2f}")
        print(f"load average at start {facts['loadavg_at_start']}, at end {facts['loadavg_at_end']}")
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(
            json.dumps(
                {
                    "machine": facts,
                    "params": vars(args) | {"json": str(args.json)},
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
