"""TRL reward: the batched `XCoderTRLReward` against a naive per-row wrapper, same rollouts, same run.

    python bench/reward/bench_trl.py --judge-url http://127.0.0.1:8000 [--prompts 11 --rollouts 4 --tests 5]

A step is P prompts x R rollouts called as TRL's GRPOTrainer calls a reward: once, with every
completion and the dataset columns as lists. The batched path is `XCoderTRLReward` (one judge
call per step). The naive path is what one writes by wrapping a per-rollout scorer for TRL:
a loop that judges each completion alone (`reward(completions=[c], tests=[t])`). Both get
distinct programs (a tag per run), so neither the client nor the judge can skip work, and
their scores must agree with the expected ones. Runs alternate (naive, batched, ...), so drift
on a shared machine hits both; figures are means, with the load average before and after.
Nothing here executes model code: the judge does.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from xcoder_client.trl_reward import XCoderTRLReward

FENCE = "```"


def make_step(prompts: int, rollouts: int, tests: int, tag: str) -> tuple[list[str], dict, list[float]]:
    completions, columns, expected = [], {"tests": [], "task_id": []}, []
    for p in range(prompts):
        gt = json.dumps(
            {"inputs": [f"{p} {t}\n" for t in range(tests)], "outputs": [f"{p + t}\n" for t in range(tests)]}
        )
        for r in range(rollouts):
            op, score = ("-", 1.0 / tests) if r % 4 == 3 else ("+", 1.0)  # "p - 0" is right for test 0 only
            if r % 4 == 2 and p % 3 == 0:
                completions.append("The sum, I think.")
                score = 0.0
            else:
                code = f"# {tag} {p}.{r}\na, b = map(int, input().split())\nprint(a {op} b)\n"
                completions.append(f"<think>…</think>\n{FENCE}python\n{code}{FENCE}\n")
            columns["tests"].append(gt)
            columns["task_id"].append(f"p{p}")
            expected.append(score)
    return completions, columns, expected


def batched(reward: XCoderTRLReward, completions: list[str], columns: dict) -> list[float | None]:
    return reward(prompts=["Add."] * len(completions), completions=completions, **columns)


def naive(reward: XCoderTRLReward, completions: list[str], columns: dict) -> list[float | None]:
    return [
        reward(prompts=["Add."], completions=[c], **{k: [v[i]] for k, v in columns.items()})[0]
        for i, c in enumerate(completions)
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--judge-url", default=os.environ.get("XCODER_CLIENT_JUDGE_URL", "http://127.0.0.1:8000")
    )
    parser.add_argument("--prompts", type=int, default=11)
    parser.add_argument("--rollouts", type=int, default=4)
    parser.add_argument("--tests", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()

    reward = XCoderTRLReward(args.judge_url, max_tests=args.tests)
    batched(reward, *make_step(2, 2, args.tests, "warmup")[:2])  # interpreters, connections, imports
    load_before = os.getloadavg()
    times: dict[str, list[float]] = {"naive": [], "batched": []}
    wrong = 0
    for rep in range(args.repeat):
        for name, fn in (("naive", naive), ("batched", batched)):
            completions, columns, expected = make_step(
                args.prompts, args.rollouts, args.tests, f"{name}{rep}"
            )
            start = time.perf_counter()
            scores = fn(reward, completions, columns)
            times[name].append(time.perf_counter() - start)
            wrong += sum(
                abs((s if s is not None else -1) - e) > 1e-9 for s, e in zip(scores, expected, strict=True)
            )
    mean = {k: sum(v) / len(v) for k, v in times.items()}
    figures = {
        "rollouts_per_step": args.prompts * args.rollouts,
        "tests": args.tests,
        "repeat": args.repeat,
        "cpus": os.cpu_count(),
        "loadavg_before": [round(x, 2) for x in load_before],
        "loadavg_after": [round(x, 2) for x in os.getloadavg()],
        "naive_s_per_step": round(mean["naive"], 3),
        "batched_s_per_step": round(mean["batched"], 3),
        "naive_over_batched": round(mean["naive"] / mean["batched"], 2),
        "runs": {k: [round(x, 3) for x in v] for k, v in times.items()},
        "wrong_scores": wrong,
    }
    print(json.dumps(figures, indent=1))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1) + "\n")
    return 0 if not wrong else 1


if __name__ == "__main__":
    sys.exit(main())
