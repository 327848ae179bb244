"""What the box's own user namespace costs: tests/s and box start-up, userns on vs off.

Two engines side by side in one process, one slot each, `XCODER_JUDGE_BOX_USERNS=on` and `off`
(the five-capability fallback); rounds are interleaved (on, off, off, on, ...), so load from
other processes falls on both. Per round: one submission of `--tests` stdio tests (C through the
C launcher, python3 warm), and `--starts` box restarts (kill + start: both set-up stages).

    sudo .venv/bin/python bench/judge_engine/bench_box_userns.py [--rounds 6] [--tests 200]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from xcoder_judge.config import Settings
from xcoder_judge.engine import Engine
from xcoder_judge.local_cluster import claim_uid_block
from xcoder_wire.schemas import Submission, Verdict

SOURCES = {
    "c": '#include <stdio.h>\nint main(){int a,b;scanf("%d %d",&a,&b);printf("%d\\n",a+b);}\n',
    "python3": "a, b = map(int, input().split())\nprint(a + b)\n",
}
MODES = ("on", "off")


def tests_per_s(engine: Engine, lang: str, n: int) -> float:
    tests = [{"input": f"{i} {i}", "expected": str(2 * i)} for i in range(n)]
    sub = Submission(language=lang, source=SOURCES[lang], tests=tests)
    t = time.perf_counter()
    r = engine.judge(sub)
    dt = time.perf_counter() - t
    assert r.verdict == Verdict.AC, r
    return n / dt


def start_ms(engine: Engine, n: int) -> float:
    slot = engine.sandbox.pool.slots[0]
    t = time.perf_counter()
    for _ in range(n):
        slot.kill()
        slot.start()
    return (time.perf_counter() - t) / n * 1e3


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=6)
    ap.add_argument("--tests", type=int, default=200)
    ap.add_argument("--starts", type=int, default=5)
    args = ap.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("needs root (isolated boxes)")
    base, lock = claim_uid_block()
    root = Path(tempfile.mkdtemp(prefix="xcoder-bench-userns-"))
    root.chmod(0o755)
    engines = {}
    for i, mode in enumerate(MODES):
        s = Settings(
            slots=1,
            cache_dir=root / "cache",
            work_dir=root / f"work-{mode}",
            sandbox_uid=base + 50 * i,
            languages="python3,c",
            self_test=False,
            box_userns=mode,
        )
        engines[mode] = Engine(s)
        engines[mode].start()
    try:
        assert engines["on"].capabilities().box_userns and not engines["off"].capabilities().box_userns
        for mode in MODES:  # warm the compile cache and the boxes
            for lang in SOURCES:
                tests_per_s(engines[mode], lang, 10)
        samples: dict[tuple[str, str], list[float]] = {}
        loads = []
        for r in range(args.rounds):
            order = MODES if r % 2 == 0 else MODES[::-1]
            for mode in order:
                for lang in SOURCES:
                    samples.setdefault((mode, lang), []).append(tests_per_s(engines[mode], lang, args.tests))
                samples.setdefault((mode, "start"), []).append(start_ms(engines[mode], args.starts))
            loads.append(os.getloadavg()[0])
        print(
            f"load average {min(loads):.2f}..{max(loads):.2f} ({os.cpu_count()} CPUs); {args.rounds} "
            f"interleaved rounds, {args.tests} tests/submission, medians"
        )
        for what, unit in (("c", "tests/s"), ("python3", "tests/s"), ("start", "ms/box start")):
            on, off = (statistics.median(samples[(m, what)]) for m in MODES)
            print(f"{what:8s} userns on {on:8.1f}  off {off:8.1f} {unit:12s} on/off x{on / off:.3f}")
    finally:
        for e in engines.values():
            e.close()
        lock.release()


if __name__ == "__main__":
    main()
