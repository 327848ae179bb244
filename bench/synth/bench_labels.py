"""Benchmark: labelling accuracy of dual verification on pools with known-correct and known-wrong
candidates (``label_pools.yaml`` and the test fixtures' Python pool), per voting configuration.

Problems: maximum subarray sum (stdio; Python and C++ pools) and HumanEval/0
``has_close_elements`` (a call task). Pool compositions: wrong candidates that disagree with each
other; three renamed copies of one wrong program against two correct ones; mechanical mutants of
the reference; and copies plus mutants outnumbering the correct ones 5:2. Each composition is
verified on two input seeds. The true answers come from reference functions in this file (our
code, not a candidate); every candidate runs only in the judge.

Per configuration: emitted-label accuracy (kept tests of verified tasks against the truth), abstain
rate (all test decisions), tasks verified / dropped by reason, golden correctness, and the share of
wrong candidates (those wrong on at least one input of the task) that the kept tests reject.

    .venv/bin/python bench/synth/bench_labels.py                  # starts a judge (API + 1 worker)
    .venv/bin/python bench/synth/bench_labels.py --judge-url http://127.0.0.1:8000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import subprocess
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import yaml
from xcoder_synth.judge_gateway import ExecLimits, JudgeGateway
from xcoder_synth.llm import Provenance
from xcoder_synth.solutions.fingerprint import family_fingerprint
from xcoder_synth.solutions.sample import Candidate, CandidateSet
from xcoder_synth.solutions.syntax import fingerprint
from xcoder_synth.tasks.models import CheckerSpec, EntryPoint, Param, TaskRecord
from xcoder_synth.testgen.models import InputSet, Program, TestInput, call_data
from xcoder_synth.verify.compare import equivalence, judge_checker
from xcoder_synth.verify.config import VerifyConfig
from xcoder_synth.verify.dual import verify_task
from xcoder_synth.verify.evidence import programs_for
from xcoder_synth.verify.records import VerifiedTask
from xcoder_synth.verify.vote import VoteRules

HERE = Path(__file__).parent
ROOT = HERE.parent.parent
POOLS = yaml.safe_load((HERE / "label_pools.yaml").read_text())
PY_POOL = yaml.safe_load((ROOT / "services/synth-api/tests/fixtures/pools.yaml").read_text())["maxsub"]
PROV = Provenance(
    endpoint="bench", model="none", prompt_id="bench", prompt_version="1", sampling={}, cache_key=""
)
LIMITS = ExecLimits(time_s=2, memory_mb=256)


def maxsub_truth(a: list[int]) -> int:
    return max(sum(a[i:j]) for i in range(len(a)) for j in range(i + 1, len(a) + 1))


def close_truth(numbers: list[float], threshold: float) -> bool:
    return any(
        abs(numbers[i] - numbers[j]) < threshold
        for i in range(len(numbers))
        for j in range(len(numbers))
        if i != j
    )


def maxsub_inputs(seed: int) -> list[tuple[str, str, str]]:
    """(source, stdin, true stdout)."""
    rng = random.Random(seed)
    out = []
    for source, a in [("example", [1, -2, 3, 4]), ("example", [-5, -1, -3])]:
        out.append((source, a))
    for _ in range(10):
        out.append(("random", [rng.randint(-9, 9) for _ in range(rng.randint(1, 6))]))
    for _ in range(6):
        out.append(("random", [rng.randint(-100, 100) for _ in range(rng.randint(5, 20))]))
    for _ in range(6):
        # Mostly negative arrays: where the floor-at-zero misconception shows.
        out.append(("random", [rng.randint(-20, 2) for _ in range(rng.randint(1, 8))]))
    for _ in range(2):
        out.append(("max", [rng.randint(-100, 100) for _ in range(50)]))
    return [(s, f"{len(a)}\n{' '.join(map(str, a))}\n", f"{maxsub_truth(a)}\n") for s, a in out]


def close_inputs(seed: int) -> list[tuple[str, str, str]]:
    rng = random.Random(seed)
    cases: list[tuple[str, list[float], float]] = [
        ("example", [1.0, 2.0, 3.0], 0.5),
        ("example", [1.0, 2.8, 3.0, 4.0, 5.0, 2.0], 0.3),
    ]
    for _ in range(14):
        n = rng.randint(0, 7)
        cases.append(("random", [rng.randint(0, 20) / 2 for _ in range(n)], rng.choice([0.3, 0.5, 1.0, 2.0])))
    for _ in range(8):
        n = rng.randint(2, 7)
        nums = sorted(rng.sample(range(0, 60), n), reverse=rng.random() < 0.5)
        cases.append(("random", [x / 2 for x in nums], 0.5))
    for _ in range(6):
        # A close pair kept apart by a far element: only a scan over all pairs sees it.
        nums = [3.0 * x for x in rng.sample(range(30), rng.randint(3, 7))]
        i = rng.randrange(len(nums) - 1)
        nums.insert(min(i + 2, len(nums)), nums[i] + 0.25)
        cases.append(("random", nums, 0.5))
    cases.append(("max", [rng.randint(0, 10**6) / 4 for _ in range(200)], 0.25))
    return [(s, call_data([nums, t]), json.dumps(close_truth(nums, t)) + "\n") for s, nums, t in cases]


def stdio_task(task_id: str) -> TaskRecord:
    return TaskRecord(
        id=task_id,
        config_id="bench",
        style="codeforces",
        io="stdio",
        title=task_id,
        statement="",
        legend="",
        constraints=[],
        checker=CheckerSpec(),
        features=[],
        integration_strategy="",
        scenario="",
        provenance={},
    )


def call_task(task_id: str) -> TaskRecord:
    entry = EntryPoint(
        name="has_close_elements",
        params=[Param(name="numbers", type="List[float]"), Param(name="threshold", type="float")],
        returns="bool",
    )
    return stdio_task(task_id).model_copy(update={"io": "call", "style": "leetcode", "entry_point": entry})


def compositions() -> list[tuple[str, str, str, list[tuple[str, bool]], Program]]:
    """(problem, composition, language, [(code, is_correct)], oracle)."""
    out = []
    py_c, py_w = list(PY_POOL["correct"].values()), list(PY_POOL["wrong"].values())
    py_floor, py_whole = PY_POOL["floor_variants"], PY_POOL["whole_sum_variants"]
    py_oracle = Program(code=PY_POOL["correct"]["brute_slices"], provenance=PROV)
    py = {
        "disagree": [(c, True) for c in py_c[:3]] + [(w, False) for w in py_w[:5]],
        "copies_outnumber": [(c, False) for c in py_floor[:3]] + [(c, True) for c in py_c[:2]],
        "mutants": [(py_c[0], True), (py_c[4], True)] + [(c, False) for c in py_whole[:3]],
        "copies_and_mutants": [(c, False) for c in py_floor[:3] + py_whole[:2]]
        + [(c, True) for c in py_c[:2]],
    }
    for comp, pool in py.items():
        out.append(("maxsub", comp, "python3", pool, py_oracle))
    for name, lang in (("maxsub_cpp", "cpp17"), ("close", "python3")):
        p = POOLS[name]
        correct, wrong = list(p["correct"].values()), list(p["wrong"].values())
        copies = p["floor_copies" if name == "maxsub_cpp" else "adjacent_copies"]
        mutants = p["mutants"]
        oracle = Program(code=p["oracle"], provenance=PROV, language="python3")
        problem = "maxsub" if name == "maxsub_cpp" else "close"
        pools = {
            "disagree": [(c, True) for c in correct] + [(w, False) for w in wrong],
            "copies_outnumber": [(c, False) for c in copies] + [(c, True) for c in correct[:2]],
            "mutants": [(correct[0], True), (correct[1], True)] + [(c, False) for c in mutants],
            "copies_and_mutants": [(c, False) for c in copies + mutants] + [(c, True) for c in correct[:2]],
        }
        for comp, pool in pools.items():
            out.append((problem, comp, lang, pool, oracle))
    return out


CONFIGS: dict[str, dict[str, Any]] = {
    "plain": {"votes": VoteRules(method="plain"), "oracle": False},
    "families": {"votes": VoteRules(method="families"), "oracle": False},
    "reliability": {"votes": VoteRules(), "oracle": False},
    "reliability+oracle": {"votes": VoteRules(), "oracle": True},
}


async def run_config(
    gateway: JudgeGateway, name: str, spec: dict[str, Any], seeds: list[int]
) -> dict[str, Any]:
    cfg = VerifyConfig(min_candidates=4, min_tests=5, limits=LIMITS, votes=spec["votes"])
    stats: Counter[str] = Counter()
    drops: Counter[str] = Counter()
    rows = []
    for problem, comp, lang, pool, oracle in compositions():
        for seed in seeds:
            task_id = f"bl-{problem}-{lang}-{comp}-{seed}"
            task = call_task(task_id) if problem == "close" else stdio_task(task_id)
            cases = close_inputs(seed) if problem == "close" else maxsub_inputs(seed)
            made = [
                TestInput.make(task_id, s, d, stated_output=t if s == "example" else None)  # type: ignore[arg-type]
                for s, d, t in cases
            ]
            seen: set[str] = set()
            unique = [ti for ti in made if not (ti.id in seen or seen.add(ti.id))]  # first of equal inputs
            inputs = InputSet(id=task_id, inputs=unique)
            truth = {d: t for _, d, t in cases}
            cands = CandidateSet(
                id=task_id,
                candidates=[
                    Candidate(
                        id=f"{task_id}-{i}",
                        task_id=task_id,
                        index=i,
                        endpoint="bench",
                        sample=i,
                        language=lang,
                        code=code,
                        response=code,
                        fingerprint=fingerprint(code, lang),
                        family=family_fingerprint(code, lang),
                        provenance=PROV,
                    )
                    for i, (code, _) in enumerate(pool)
                ],
            )
            is_correct = {c.id: ok for c, (_, ok) in zip(cands.candidates, pool, strict=True)}
            started = time.perf_counter()
            result = await verify_task(
                gateway, task, cands, inputs, cfg, oracle=oracle if spec["oracle"] else None
            )
            stats["seconds"] += time.perf_counter() - started
            # Which candidates are wrong on these inputs: the same judge submissions as the vote
            # (content-hash ids), read back and compared with the truth.
            same = equivalence(judge_checker(task))
            matrix = await gateway.run(
                programs_for(task, [c.code or "" for c in cands.voters]),
                [ti.data for ti in inputs.inputs],
                limits=cfg.limits,
                output_cap_bytes=cfg.output_cap_bytes,
                tag=f"vote-{task.id}",
                languages=[c.language for c in cands.voters],
            )
            wrong_here = {
                c.id
                for c, row in zip(cands.voters, matrix, strict=True)
                if any(
                    not (o.ran and same(o.stdout or "", truth[ti.data]))
                    for o, ti in zip(row, inputs.inputs, strict=True)
                )
            }
            stats["tasks"] += 1
            # A dropped task keeps its decisions in ``extra`` (the one Dropped type).
            reasons = (
                [d.reason for d in result.decisions]
                if isinstance(result, VerifiedTask)
                else [d["reason"] for d in result.extra.get("decisions", [])]
            )
            stats["decisions"] += len(reasons)
            stats["abstained"] += sum(1 for r in reasons if r.startswith("abstain"))
            if not isinstance(result, VerifiedTask):
                drops[result.reason.value] += 1
                rows.append({"task": task_id, "status": result.reason.value})
                continue
            stats["verified"] += 1
            good = sum(1 for t in result.tests if same(t.output, truth[t.input]))
            stats["labels"] += len(result.tests)
            stats["labels_correct"] += good
            golden_ok = (
                is_correct[result.golden_candidate_id] and result.golden_candidate_id not in wrong_here
            )
            stats["golden_correct"] += golden_ok
            wrong = [o for o in result.candidates if o.position is not None and o.candidate_id in wrong_here]
            stats["wrong"] += len(wrong)
            stats["wrong_rejected"] += sum(1 for o in wrong if not o.passed_all)
            rows.append(
                {
                    "task": task_id,
                    "status": "verified",
                    "labels": f"{good}/{len(result.tests)}",
                    "golden_correct": golden_ok,
                    "wrong_rejected": f"{sum(1 for o in wrong if not o.passed_all)}/{len(wrong)}",
                }
            )
    return {
        "config": name,
        "tasks": stats["tasks"],
        "verified": stats["verified"],
        "dropped": dict(sorted(drops.items())),
        "label_accuracy": round(stats["labels_correct"] / stats["labels"], 4) if stats["labels"] else None,
        "labels": stats["labels"],
        "abstain_rate": round(stats["abstained"] / stats["decisions"], 4) if stats["decisions"] else None,
        "golden_correct": f"{stats['golden_correct']}/{stats['verified']}",
        "wrong_rejected": round(stats["wrong_rejected"] / stats["wrong"], 4) if stats["wrong"] else None,
        "wrong_candidates": stats["wrong"],
        "seconds": round(stats["seconds"], 1),
        "per_task": rows,
    }


def table(results: list[dict[str, Any]]) -> str:
    head = "| config | tasks | verified | dropped (reasons) | emitted labels correct | abstain rate | golden correct | wrong rejected by kept tests |"
    lines = [head, "|---|---|---|---|---|---|---|---|"]
    for r in results:
        dropped = ", ".join(f"{k} {v}" for k, v in r["dropped"].items()) or "–"
        acc = f"{r['label_accuracy']:.1%} of {r['labels']}" if r["label_accuracy"] is not None else "–"
        rej = (
            f"{r['wrong_rejected']:.1%} of {r['wrong_candidates']}"
            if r["wrong_rejected"] is not None
            else "–"
        )
        lines.append(
            f"| {r['config']} | {r['tasks']} | {r['verified']} | {r['tasks'] - r['verified']} ({dropped}) | {acc} | "
            f"{r['abstain_rate']:.1%} | {r['golden_correct']} | {rej} |"
        )
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--judge-url", help="an existing judge (default: start API + one worker here)")
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--configs", nargs="+", default=list(CONFIGS), choices=list(CONFIGS))
    ap.add_argument("--out", type=Path, default=ROOT / "bench/results/synth_labels.json")
    args = ap.parse_args()

    cluster = target = None
    url = args.judge_url
    if url is None:
        from bench_dual_verify import start_judge

        cluster, target = start_judge(Path(tempfile.mkdtemp(prefix="bench-labels-")))
        url = cluster.url

    async def run() -> list[dict[str, Any]]:
        gateway = JudgeGateway(url=url, max_concurrency=16, timeout_s=900)
        try:
            return [await run_config(gateway, n, CONFIGS[n], args.seeds) for n in args.configs]
        finally:
            await gateway.aclose()

    load_before = os.getloadavg()
    try:
        results = asyncio.run(run())
    finally:
        if cluster is not None:
            cluster.stop()
            target.release()
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    out = {
        "results": results,
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.python_implementation()} {platform.python_version()}",
        "load_average": {
            "before": [round(x, 2) for x in load_before],
            "after": [round(x, 2) for x in os.getloadavg()],
        },
        "commit": commit,
        "seeds": args.seeds,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2) + "\n")
    print(table(results))
    print(
        f"\nload average before {out['load_average']['before']}, after {out['load_average']['after']}; {args.out}"
    )


if __name__ == "__main__":
    main()
