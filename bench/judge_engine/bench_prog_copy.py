"""What copying programs into the slot's tmpfs costs (prog_cache.py), copy next to bind, one run.

A box never binds the host's artifact store (a bind shows its host path in mountinfo): it copies
each program into its slot's tmpfs and binds /prog from there, keeping copies for the next runs.
Two engines of one slot each judge the same submissions, rounds interleaved:

- `kept`   (`progs_cache_mb=256`): after the first use a program's copy stays in the slot, so
  a switch of program is umount + bind + remount, the work the old bind of the store did;
- `copied` (`progs_cache_mb=0`): only the bound program is kept, so every switch copies again:
  the worst case, a slot that never sees a program twice.

Each submission is a different program than the one before (K programs round-robin), so every
submission switches. Small programs are a C A+B (about 16 KiB); big ones the same with 8 MiB of
initialised data (the size of a Go or Rust binary). Also shown: `same`, the kept engine judging
one program over and over (no switch at all). Run as root, as the sandbox needs it:

    sudo .venv/bin/python bench/judge_engine/bench_prog_copy.py [--rounds 3] [--k 6] [--subs 24]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from xcoder_judge.config import Settings
from xcoder_judge.engine import Engine
from xcoder_judge.engine.sandbox.prog_cache import copy_tree, remove_tree
from xcoder_wire.schemas import Submission, Verdict

REPO = Path(__file__).resolve().parents[2]
SMALL = '#include <stdio.h>\n/* variant {v} */\nint main(void){{long a,b;if(scanf("%ld %ld",&a,&b)!=2)return 1;printf("%ld\\n",a+b);return 0;}}\n'
BIG = (
    "#include <stdio.h>\n/* variant {v} */\nstatic volatile char pad[8 << 20] = {{1}};\n"
    'int main(void){{long a,b;if(scanf("%ld %ld",&a,&b)!=2)return 1;printf("%ld\\n",a+b+pad[0]-1);return 0;}}\n'
)


def tests(k: int, seed: int) -> list[dict[str, str]]:
    return [{"input": f"{seed + i} {i}\n", "expected": f"{seed + 2 * i}\n"} for i in range(k)]


def judge_ok(engine: Engine, sub: Submission) -> None:
    r = engine.judge(sub)
    if r.verdict != Verdict.AC:
        raise SystemExit(f"benchmark submission was {r.verdict.value}: {r.message} {r.compile}")


def one_pass(engine: Engine, sources: list[str], subs: int, per: int) -> float:
    """Seconds per submission, `subs` submissions one at a time, program changing every time."""
    batch = [
        Submission(language="c", source=sources[i % len(sources)], tests=tests(per, seed=i))
        for i in range(subs)
    ]
    t = time.perf_counter()
    for sub in batch:
        judge_ok(engine, sub)
    return (time.perf_counter() - t) / subs


def copy_alone(store: Path, n: int) -> dict[str, float]:
    """µs per copy_tree of each artifact in `store` into a tmpfs (/dev/shm), by artifact size."""
    out: dict[str, float] = {}
    src = os.open(store, os.O_PATH | os.O_DIRECTORY)
    with tempfile.TemporaryDirectory(dir="/dev/shm") as tmp:
        dst = os.open(tmp, os.O_RDONLY | os.O_DIRECTORY)
        try:
            for d in sorted(p for p in store.iterdir() if p.is_dir()):
                size = sum(f.stat().st_size for f in d.rglob("*") if f.is_file())
                label = "big" if size > 1 << 20 else "small"
                if label in out:
                    continue
                t = time.perf_counter()
                for _ in range(n):
                    copy_tree(src, d.name, dst, "copy")
                    remove_tree(dst, "copy")
                out[label] = round((time.perf_counter() - t) / n * 1e6, 1)
                out[label + "_bytes"] = size
        finally:
            os.close(dst)
            os.close(src)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--k", type=int, default=6, help="distinct programs per size")
    ap.add_argument("--subs", type=int, default=24, help="submissions per pass")
    ap.add_argument("--json", type=Path, default=REPO / "bench" / "results" / "prog_copy.json")
    args = ap.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("needs root (the sandbox)")
    root = Path(tempfile.mkdtemp(prefix="xcoder-bench-progcopy-"))
    load_start = os.getloadavg()[0]
    engines = {}
    for i, (name, mb) in enumerate((("kept", 256), ("copied", 0))):
        settings = Settings(
            slots=1, cache_dir=root / f"{name}-cache", work_dir=root / f"{name}-work",
            sandbox_uid=63000 + 50 * i, languages="c", pch=False, self_test=False, progs_cache_mb=mb,
        )  # fmt: skip
        engines[name] = Engine(settings)
        engines[name].start()
    programs = {
        "small": [SMALL.format(v=v) for v in range(args.k)],
        "big": [BIG.format(v=v) for v in range(args.k)],
    }
    samples: dict[str, list[float]] = {}
    try:
        for engine in engines.values():  # compile every program once and copy it once
            for srcs in programs.values():
                for src in srcs:
                    judge_ok(engine, Submission(language="c", source=src, tests=tests(1, 0)))
        alone = copy_alone(root / "kept-cache" / "artifacts", 200)
        for _ in range(args.rounds):
            for size, srcs in programs.items():
                for per in (1, 10):
                    for name, engine in engines.items():
                        key = f"{size} {per}-test {name}"
                        samples.setdefault(key, []).append(one_pass(engine, srcs, args.subs, per))
                    key = f"{size} {per}-test same"
                    samples.setdefault(key, []).append(one_pass(engines["kept"], srcs[:1], args.subs, per))
    finally:
        for engine in engines.values():
            engine.close()
        shutil.rmtree(root, ignore_errors=True)
    load_end = os.getloadavg()[0]
    rows = {}
    lines = [
        f"load average {load_start:.2f} at start, {load_end:.2f} at end; medians of {args.rounds} rounds"
    ]
    lines.append(
        f"{'programs':6s} {'tests':>5s} {'same':>9s} {'kept':>9s} {'copied':>9s}  per switch  per test  ratio"
    )
    for size in programs:
        for per in (1, 10):
            med = {
                n: statistics.median(samples[f"{size} {per}-test {n}"]) for n in ("same", "kept", "copied")
            }
            extra = med["copied"] - med["kept"]
            rows[f"{size} {per}"] = {
                **{f"{n}_ms_per_submission": round(v * 1000, 3) for n, v in med.items()},
                "copy_ms_per_switch": round(extra * 1000, 3),
                "copy_ms_per_test": round(extra * 1000 / per, 3),
                "tests_per_s": {n: round(per / v, 1) for n, v in med.items()},
                "copied_over_kept": round(med["copied"] / med["kept"], 3),
            }
            lines.append(
                f"{size:6s} {per:5d} " + " ".join(f"{med[n] * 1000:7.2f}ms" for n in ("same", "kept", "copied"))
                + f"  {extra * 1000:+7.2f}ms  {extra * 1000 / per:+6.2f}ms  x{med['copied'] / med['kept']:.3f}"
            )  # fmt: skip
    lines.append(
        f"copy_tree alone into /dev/shm (copy + remove): small ({alone['small_bytes']} B) "
        f"{alone['small']:.0f} µs, big ({alone['big_bytes']} B) {alone['big']:.0f} µs"
    )
    print("\n".join(lines))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    report = {
        "what": "ms per submission (one at a time, one slot), program switching every submission",
        "params": vars(args) | {"json": str(args.json)},
        "loadavg_1m": {"start": round(load_start, 2), "end": round(load_end, 2)},
        "rows": rows,
        "copy_tree_alone_us": alone,
        "samples_s": samples,
        "python": sys.version.split()[0],
    }
    args.json.write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
