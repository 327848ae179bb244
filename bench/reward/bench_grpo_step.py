"""Reward computation for one simulated GRPO step, next to the bare judge throughput.

    python bench/reward/bench_grpo_step.py --judge-url http://127.0.0.1:8000 \
        [--prompts 512 --rollouts 8 --tests 10 --workers 1 --mode async]

A step is P prompts × R rollouts, each rollout a model response (a fenced Python program, a
few with no code) scored on T trivial stdin tests through `xcoder_client.verl.compute_score*`
exactly as a verl 0.9 reward worker calls it: one call per rollout, all in flight at once
(`--mode async`: `compute_score_async` on one event loop per worker process; `--mode sync`:
`compute_score` from a 32-thread pool, as verl runs sync reward functions). `--workers N`
splits the rollouts over N processes like verl's `reward.num_workers`.

The bare figure sends the same programs and tests straight to POST /v1/submissions/batch
through one JudgeClient (no extraction, no per-rollout calls), in the same run, so the
difference is what the reward path costs. Every rollout's program is distinct, so neither the
client nor the judge can skip work. Nothing here executes model code: the judge does.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

from xcoder_client import JudgeClient
from xcoder_client.progress import progress_bar
from xcoder_client.testcases import build_submission, parse_tests

FENCE = "```"
NO_CODE_EVERY = 20
"""One rollout in this many has no code block (a realistic share of format failures)."""


def make_step(prompts: int, rollouts: int, tests: int, tag: str) -> list[dict]:
    """The rollouts of one step: responses, ground truths and the expected fraction passed."""
    step = []
    for p in range(prompts):
        ground_truth = json.dumps(
            {"inputs": [f"{p} {t}\n" for t in range(tests)], "outputs": [f"{p + t}\n" for t in range(tests)]}
        )
        for r in range(rollouts):
            n = p * rollouts + r
            if n % NO_CODE_EVERY == NO_CODE_EVERY - 1:
                response, expected = "I believe the answer is the sum of the two numbers.", 0.0
            elif r % 4 == 3:  # a wrong program
                code = f"# {tag} rollout {n}\na, b = map(int, input().split())\nprint(a - b)\n"
                response, expected = f"<think>subtract?</think>\n{FENCE}python\n{code}{FENCE}\n", None
            else:
                code = f"# {tag} rollout {n}\na, b = map(int, input().split())\nprint(a + b)\n"
                response, expected = f"<think>add them</think>\n{FENCE}python\n{code}{FENCE}\n", 1.0
            step.append(
                {"response": response, "ground_truth": ground_truth, "task_id": f"p{p}", "expected": expected}
            )
    return step


# ------------------------------------------------------------- reward path


def _score_async(rollouts: list[dict], kwargs: dict) -> list[dict]:
    from xcoder_client.verl import compute_score_async

    async def step():
        return await asyncio.gather(
            *(
                compute_score_async(
                    "bench", r["response"], r["ground_truth"], {"task_id": r["task_id"]}, **kwargs
                )
                for r in rollouts
            )
        )

    return asyncio.run(step())


def _score_sync(rollouts: list[dict], kwargs: dict) -> list[dict]:
    from xcoder_client.verl import compute_score

    with ThreadPoolExecutor(32) as pool:
        return list(
            pool.map(
                lambda r: compute_score(
                    "bench", r["response"], r["ground_truth"], {"task_id": r["task_id"]}, **kwargs
                ),
                rollouts,
            )
        )


def reward_step(step: list[dict], kwargs: dict, workers: int, mode: str) -> tuple[float, list[dict]]:
    score = _score_async if mode == "async" else _score_sync
    shards = [step[i::workers] for i in range(workers)]
    start = time.perf_counter()
    if workers == 1:
        outs = [score(step, kwargs)]
    else:
        with ProcessPoolExecutor(workers) as pool:
            outs = list(pool.map(score, shards, [kwargs] * workers))
    elapsed = time.perf_counter() - start
    results: list[dict] = [None] * len(step)  # type: ignore[list-item]
    for w, out in enumerate(outs):
        for i, r in zip(range(w, len(step), workers), out, strict=True):
            results[i] = r
    return elapsed, results


def builtin_step(step: list[dict], url: str, threads: int = 32) -> tuple[float, list[float]]:
    """verl's own sandbox_fusion reward (verl.utils.reward_score.sandbox_fusion, verl's code,
    one /run_code request per test) against our compat route, rollouts from a thread pool."""
    import threading

    from verl.utils.reward_score.sandbox_fusion import compute_score as verl_sandbox_score

    sem = threading.Semaphore(64)  # verl's sandbox_fusion.max_concurrent default
    run_code = url.rstrip("/") + "/run_code"
    start = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        scores = list(
            pool.map(
                lambda r: float(verl_sandbox_score(run_code, sem, 1024, r["response"], r["ground_truth"])[0]),
                step,
            )
        )
    return time.perf_counter() - start, scores


# --------------------------------------------------------------- bare path


def bare_step(step: list[dict], url: str, show_progress: bool) -> tuple[float, int]:
    from xcoder_client.extract import extract_code

    subs = []
    for r in step:
        code = extract_code(r["response"]).code
        if code is not None:
            subs.append(build_submission(code, parse_tests(r["ground_truth"])))
    bar = progress_bar(len(subs), "bare judge", unit="sub", disable=not show_progress)
    with JudgeClient(url, chunk_size=256) as client:
        start = time.perf_counter()
        results = client.judge(subs, progress=bar.update)
        elapsed = time.perf_counter() - start
    bar.close()
    assert all(r.scored for r in results), "the judge returned SE results"
    return elapsed, sum(r.total for r in results)


def _machine(url: str) -> dict:
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=Path(__file__).parent
    ).stdout.strip()
    with JudgeClient(url) as client:
        status = client.status()
    return {
        "commit": commit,
        "cpus": os.cpu_count(),
        "machine": platform.processor() or platform.machine(),
        "python": platform.python_version(),
        "judge_slots": status.get("slots_total"),
        "judge_workers": len(status.get("workers", [])),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--judge-url", default=os.environ.get("XCODER_CLIENT_JUDGE_URL", "http://127.0.0.1:8000")
    )
    parser.add_argument("--prompts", type=int, default=512)
    parser.add_argument("--rollouts", type=int, default=8)
    parser.add_argument("--tests", type=int, default=10)
    parser.add_argument(
        "--workers", type=int, default=1, help="reward worker processes (verl: reward.num_workers)"
    )
    parser.add_argument("--mode", choices=["async", "sync"], default="async")
    parser.add_argument("--reward", choices=["binary", "fraction", "xcoder"], default="fraction")
    parser.add_argument(
        "--repeat", type=int, default=1, help="interleaved bare/reward runs; figures are means"
    )
    parser.add_argument(
        "--builtin",
        action="store_true",
        help="also time verl's built-in sandbox_fusion reward on the same step (needs verl: clients/.venv-train)",
    )
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--no-progress", action="store_true")
    args = parser.parse_args()

    machine = _machine(args.judge_url)
    kwargs = {"judge_url": args.judge_url, "reward": args.reward, "max_tests": args.tests}
    # Warm-up: worker interpreters, connections, the client's imports.
    reward_step(make_step(8, args.rollouts, args.tests, "warmup"), kwargs, 1, args.mode)

    bare_runs, reward_runs, wrong, judged_tests, n_rollouts = [], [], [], 0, 0
    builtin_runs, builtin_wrong = [], 0
    for rep in range(args.repeat):  # interleaved, so drift on a shared machine hits both alike
        bare_s, bare_tests = bare_step(
            make_step(args.prompts, args.rollouts, args.tests, f"bare{rep}"),
            args.judge_url,
            not args.no_progress,
        )
        bare_runs.append(bare_tests / bare_s)
        step = make_step(args.prompts, args.rollouts, args.tests, f"reward{rep}")
        reward_s, results = reward_step(step, kwargs, args.workers, args.mode)
        judged_tests = int(sum(s["total"] for s in results if s["format_ok"]))
        reward_runs.append((reward_s, judged_tests / reward_s))
        n_rollouts = len(step)
        if args.builtin:  # the same programs, made distinct again so no cache can serve them
            bstep = make_step(args.prompts, args.rollouts, args.tests, f"builtin{rep}")
            builtin_s, scores = builtin_step(bstep, args.judge_url)
            builtin_runs.append(builtin_s)
            builtin_wrong += sum(
                1
                for r, sc in zip(bstep, scores, strict=True)
                if (sc != r["expected"] if r["expected"] is not None else sc >= 1.0)
            )
        wrong += [
            i
            for i, (r, s) in enumerate(zip(step, results, strict=True))
            if s["judge_error"]
            or (s["score"] != r["expected"] if r["expected"] is not None else s["score"] >= 1.0)
        ]
    reward_s = sum(s for s, _ in reward_runs) / len(reward_runs)
    reward_tps = sum(t for _, t in reward_runs) / len(reward_runs)
    bare_tps = sum(bare_runs) / len(bare_runs)
    figures = {
        **machine,
        "prompts": args.prompts,
        "rollouts": args.rollouts,
        "tests": args.tests,
        "mode": args.mode,
        "workers": args.workers,
        "repeat": args.repeat,
        "rollouts_per_step": n_rollouts,
        "judged_tests_per_step": judged_tests,
        "reward_s_per_step": round(reward_s, 2),
        "reward_tests_per_s": round(reward_tps, 1),
        "reward_rollouts_per_s": round(n_rollouts / reward_s, 1),
        "bare_tests_per_s": round(bare_tps, 1),
        "reward_vs_bare": round(reward_tps / bare_tps, 3),
        "runs": {
            "bare_tests_per_s": [round(x, 1) for x in bare_runs],
            "reward_s_per_step": [round(s, 2) for s, _ in reward_runs],
        },
        "misaligned_or_wrong_rewards": len(wrong),
    }
    if builtin_runs:
        builtin_s = sum(builtin_runs) / len(builtin_runs)
        figures["builtin_sandbox_fusion_s_per_step"] = round(builtin_s, 2)
        figures["builtin_vs_ours_time"] = round(builtin_s / reward_s, 3)
        figures["runs"]["builtin_s_per_step"] = [round(s, 2) for s in builtin_runs]
        # verl scores a response without a code block by running the prose: 0.0 either way
        figures["builtin_scores_differing_from_expected"] = builtin_wrong
    print(json.dumps(figures, indent=1))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1) + "\n")
    return 0 if not wrong else 1


if __name__ == "__main__":
    sys.exit(main())
