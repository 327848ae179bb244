"""Where the API process spends its CPU per request: py-spy samples it under one-test traffic.

    .venv/bin/pip install -e 'services/judge[bench]'     # py-spy
    .venv/bin/python bench/judge_service/profile_api.py                  # /run_code per test
    .venv/bin/python bench/judge_service/profile_api.py --shape judge --api-setting coalesce_window_ms=0

It starts a judge (API + worker on a Redis of its own), drives it with one-test requests from 32
threads, lets py-spy sample the API process for `--seconds`, and prints a text summary of the
flame graph: the share of samples in which each function is on the stack (inclusive) and at its
top (self), for the functions that matter most. `--raw PATH` keeps the collapsed stacks.
"""

from __future__ import annotations

import argparse
import collections
import concurrent.futures
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
from xcoder_judge.local_cluster import JudgeCluster
from xcoder_judge.service.embedded_redis import EmbeddedRedis

PY_AB = "a, b = map(int, input().split())\nprint(a + b)\n"


def body(shape: str, i: int) -> tuple[str, dict]:
    if shape == "run_code":
        return "/run_code", {"code": PY_AB, "language": "python", "stdin": f"{i} 1\n", "run_timeout": 10}
    return "/judge", {"type": "python", "solution": PY_AB, "input": f"{i} 1\n", "expected_output": str(i + 1)}


def frame_name(frame: str) -> str:
    """`func (path/to/module.py:line)` → `func (module.py)`: lines vary, files do not."""
    name, _, where = frame.partition(" (")
    file = where.rsplit(":", 1)[0].rstrip(")")
    return f"{name} ({'/'.join(Path(file).parts[-2:])})"


def summarize(raw: str, top: int) -> str:
    inclusive: collections.Counter[str] = collections.Counter()
    own: collections.Counter[str] = collections.Counter()
    total = 0
    for line in raw.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        frames = [frame_name(f) for f in stack.split(";") if f]
        frames = [f for f in frames if not f.startswith("process ") and not f.startswith("thread ")]
        if not frames:
            continue
        total += n
        for f in set(frames):
            inclusive[f] += n
        own[frames[-1]] += n
    idle = sum(n for f, n in own.items() if f.startswith(("select (", "poll (", "run_forever", "_run_once")))
    lines = [f"{total} samples ({100 * idle / max(1, total):.0f}% waiting in the event loop's poll)", ""]
    lines.append(f"{'inclusive':>9} {'self':>6}  function")
    for f, n in inclusive.most_common(top):
        lines.append(f"{100 * n / total:>8.1f}% {100 * own[f] / total:>5.1f}%  {f}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shape", choices=("run_code", "judge"), default="run_code")
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--inflight", type=int, default=32)
    ap.add_argument("--slots", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--top", type=int, default=40)
    ap.add_argument("--raw", type=Path, help="keep py-spy's collapsed stacks here")
    ap.add_argument("--api-setting", action="append", default=[], metavar="NAME=VALUE")
    args = ap.parse_args(argv)
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(py_spy).exists():
        print("py-spy is not installed: pip install -e 'services/judge[bench]'", file=sys.stderr)
        return 2
    root = Path(tempfile.mkdtemp(prefix="xcoder-profile-api-"))
    root.chmod(0o755)
    redis_server = EmbeddedRedis(root / "redis")
    cluster: JudgeCluster | None = None
    stop = threading.Event()
    try:
        cluster = JudgeCluster(redis_url=redis_server.start(), root=root / "judge")
        cluster.start_worker(slots=args.slots, languages="python3")
        cluster.start_api(**dict(kv.split("=", 1) for kv in args.api_setting))
        cluster.wait_ready()
        api_pid = next(p.popen.pid for p in cluster.procs if p.name == "api")
        done = [0]
        limits = httpx.Limits(max_connections=args.inflight, max_keepalive_connections=args.inflight)
        with httpx.Client(base_url=cluster.url, timeout=300, limits=limits) as client:

            def drive(k: int) -> None:
                i = k * 1_000_000
                while not stop.is_set():
                    path, payload = body(args.shape, i)
                    r = client.post(path, json=payload)
                    if r.status_code != 200:
                        raise RuntimeError(f"{path}: HTTP {r.status_code}: {r.text[:300]}")
                    done[0] += 1
                    i += 1

            with concurrent.futures.ThreadPoolExecutor(max_workers=args.inflight) as pool:
                futures = [pool.submit(drive, k) for k in range(args.inflight)]
                time.sleep(3)  # warm: the compile cache, the warm interpreters, the connections
                raw = root / "stacks.txt"
                before, t = done[0], time.perf_counter()
                load0 = os.getloadavg()[0]
                record = ["record", "-p", str(api_pid), "-d", str(int(args.seconds)), "-r", "200"]
                subprocess.run(
                    [py_spy, *record, "-f", "raw", "-o", str(raw), "--nonblocking"],
                    check=True,
                    capture_output=True,
                )
                rate = (done[0] - before) / (time.perf_counter() - t)
                stop.set()
                for f in futures:
                    f.result()
        text = raw.read_text()
        if args.raw:
            args.raw.write_text(text)
        settings = " ".join(args.api_setting) or "defaults"
        print(
            f"API process, {args.shape} per test, {args.inflight} in flight, {settings}: "
            f"{rate:.0f} requests/s while sampled, load {load0:.1f} → {os.getloadavg()[0]:.1f}"
        )
        print(summarize(text, args.top))
        return 0
    finally:
        stop.set()
        if cluster is not None:
            cluster.stop(kill=True)
        redis_server.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
