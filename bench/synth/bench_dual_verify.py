"""Benchmark: dual verification of one task, 16 candidates × 50 inputs, seconds per task.

Each repetition verifies a fresh task (new inputs, so the judge's idempotent submission ids
never return stored results): run the 16 × 50 matrix in the judge, vote with the tokens
checker, choose the golden candidate, and judge it once more on the exported ground truth (the
final check). Candidates are trivial programs: 12 correct variants of "print a + b" and 4 wrong
ones. Target on the 2-vCPU dev machine: ≤ 3 s per task.

    .venv/bin/python bench/synth/bench_dual_verify.py                 # starts a judge (API + 1 worker)
    .venv/bin/python bench/synth/bench_dual_verify.py --judge-url http://127.0.0.1:8000 --repeat 5
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from xcoder_synth.judge_gateway import ExecLimits, JudgeGateway
from xcoder_synth.tasks.models import CheckerSpec, StdioExample, TaskRecord
from xcoder_synth.verify.config import VerifyConfig
from xcoder_synth.verify.dual import verify_task
from xcoder_synth.verify.records import VerifiedTask

CORRECT = [
    "a, b = map(int, input().split())\nprint(a + b)\n",
    "import sys\nx, y = map(int, sys.stdin.read().split())\nprint(x + y)\n",
    "print(sum(map(int, input().split())))\n",
    "p = input().split()\nprint(int(p[0]) + int(p[1]))\n",
    "def main():\n    a, b = (int(t) for t in input().split())\n    print(a + b)\n\n\nmain()\n",
    "import sys\nprint(sum(int(t) for t in sys.stdin.read().split()))\n",
    "nums = [int(v) for v in input().split()]\nprint(nums[0] + nums[1])\n",
    "a, b = input().split()\nprint(int(a) - -int(b))\n",
    "from operator import add\na, b = map(int, input().split())\nprint(add(a, b))\n",
    "line = input()\nu, v = line.split()\nprint(int(u) + int(v))\n",
    "import sys\ndata = sys.stdin.buffer.read().split()\nsys.stdout.write(str(int(data[0]) + int(data[1])) + '\\n')\n",
    "s = 0\nfor t in input().split():\n    s += int(t)\nprint(s)\n",
]
WRONG = [
    "a, b = map(int, input().split())\nprint(a - b)\n",
    "a, b = map(int, input().split())\nprint(a * b)\n",
    "a, b = map(int, input().split())\nprint(max(a, b))\n",
    "a, b = map(int, input().split())\nprint(abs(a + b))\n",
]


def build(rep: int, n_inputs: int):
    from xcoder_synth.llm import Provenance
    from xcoder_synth.solutions.sample import Candidate, CandidateSet
    from xcoder_synth.solutions.syntax import fingerprint
    from xcoder_synth.testgen.models import InputSet, TestInput

    prov = Provenance(
        endpoint="bench", model="none", prompt_id="bench", prompt_version="1", sampling={}, cache_key=""
    )
    task_id = f"bench-{rep}-{os.getpid()}-{time.time_ns()}"
    task = TaskRecord(
        id=task_id,
        config_id="bench",
        style="codeforces",
        io="stdio",
        title="A + B",
        statement="# A + B\n",
        legend="",
        constraints=[],
        stdio_examples=[StdioExample(input="1 2\n", output="3\n")],
        checker=CheckerSpec(),
        features=[],
        integration_strategy="",
        scenario="",
        provenance={},
    )
    programs = CORRECT + WRONG
    cands = CandidateSet(
        id=task_id,
        candidates=[
            Candidate(
                id=f"{task_id}-{i}",
                task_id=task_id,
                index=i,
                endpoint="bench",
                sample=i,
                code=p,
                response=p,
                fingerprint=fingerprint(p),
                provenance=prov,
            )
            for i, p in enumerate(programs)
        ],
    )
    rng = random.Random(f"{task_id}")
    datas = [f"{rng.randint(-(10**9), 10**9)} {rng.randint(-(10**9), 10**9)}\n" for _ in range(n_inputs)]
    inputs = InputSet(id=task_id, inputs=[TestInput.make(task_id, "random", d) for d in datas])
    return task, cands, inputs


class TimedGateway(JudgeGateway):
    """Splits each task's wall time into judge calls and local work (voting, golden choice)."""

    def __init__(self, **kw) -> None:
        super().__init__(**kw)
        self.judge_s = 0.0

    async def _judge(self, submissions):
        started = time.perf_counter()
        try:
            return await super()._judge(submissions)
        finally:
            self.judge_s += time.perf_counter() - started


async def one(gateway: TimedGateway, rep: int, n_inputs: int, cfg: VerifyConfig) -> tuple[float, float]:
    """(wall seconds, seconds spent waiting for the judge) of one task."""
    task, cands, inputs = build(rep, n_inputs)
    before = gateway.judge_s
    started = time.perf_counter()
    result = await verify_task(gateway, task, cands, inputs, cfg)
    elapsed = time.perf_counter() - started
    if not isinstance(result, VerifiedTask) or len(result.tests) != n_inputs:
        raise SystemExit(f"unexpected verification result: {result}")
    return elapsed, gateway.judge_s - before


def start_judge(root: Path):
    from xcoder_judge.local_cluster import JudgeCluster, claim_redis

    target = claim_redis(root)
    cluster = JudgeCluster(redis_url=target.url, root=root / "judge")
    cluster.start_worker()
    cluster.start_api()
    cluster.wait_ready()
    return cluster, target


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--judge-url", help="an existing judge (default: start API + one worker here)")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--inputs", type=int, default=50)
    ap.add_argument("--concurrent", type=int, default=1, help="tasks verified at once (throughput mode)")
    args = ap.parse_args()

    cluster = target = None
    root = Path(tempfile.mkdtemp(prefix="bench-synth-"))
    url = args.judge_url
    if url is None:
        cluster, target = start_judge(root)
        url = cluster.url
    cfg = VerifyConfig(min_candidates=4, min_tests=5, limits=ExecLimits(time_s=2, memory_mb=256))

    async def run() -> tuple[list[tuple[float, float]], float]:
        gateway = TimedGateway(url=url, max_concurrency=16, timeout_s=600)
        try:
            await one(gateway, -1, args.inputs, cfg)  # warm-up: first compile/fork paths
            if args.concurrent == 1:
                return [await one(gateway, r, args.inputs, cfg) for r in range(args.repeat)], 0.0
            started = time.perf_counter()
            await asyncio.gather(*(one(gateway, r, args.inputs, cfg) for r in range(args.concurrent)))
            return [], (time.perf_counter() - started) / args.concurrent
        finally:
            await gateway.aclose()

    try:
        samples, per_task_concurrent = asyncio.run(run())
    finally:
        if cluster is not None:
            cluster.stop()
            target.release()
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    out: dict = {
        "candidates": len(CORRECT) + len(WRONG),
        "inputs": args.inputs,
        "runs_per_task": (len(CORRECT) + len(WRONG) + 1) * args.inputs,  # matrix + final check
    }
    if samples:
        times = [w for w, _ in samples]
        local = [w - j for w, j in samples]
        out["seconds_per_task"] = {
            "median": round(statistics.median(times), 3),
            "min": round(min(times), 3),
            "max": round(max(times), 3),
        }
        out["local_seconds_per_task"] = round(statistics.median(local), 3)
    else:
        out["seconds_per_task_concurrent"] = {
            "tasks": args.concurrent,
            "wall_per_task": round(per_task_concurrent, 3),
        }
    out |= {
        "repeat": args.repeat,
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.python_implementation()} {platform.python_version()}",
        "commit": commit,
        "judge": url if args.judge_url else "started here: API + 1 worker (slots = CPU count)",
    }
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
