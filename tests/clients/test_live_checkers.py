"""A float task's checker is honoured by every consumer, from every place a dataset keeps it.

The task: print 1/3. The expected answer has 10 decimals, the rollout prints 9. Under the
judge's default token comparison that is WA; under the task's float checker (abs 1e-6) it is AC.
Each consumer must score 1.0 with the checker and 0.0 without it (so the test can fail both
ways), with the checker where SynthSmith writes it (`extra_info.checker`) and in the ground truth.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json

import pytest
from xcoder_client.filter import FilterOptions, RejectionSampler
from xcoder_client.swift_orm import XCoderJudgeReward
from xcoder_client.verl import compute_score_async

from clients.tests.programs import fenced

EXPECTED = "0.3333333333\n"
NINE_DECIMALS = fenced('print("%.9f" % (1 / 3))\n')
TESTS = {"inputs": ["\n", "\n"], "outputs": [EXPECTED, EXPECTED]}
CHECKER = json.dumps({"kind": "floats", "abs_tol": 1e-6, "rel_tol": 1e-6})

PLACES = {
    "extra_info": lambda: (json.dumps(TESTS), {"task_id": "third", "checker": CHECKER}),
    "ground_truth": lambda: (json.dumps({**TESTS, "checker": json.loads(CHECKER)}), {"task_id": "third"}),
    "none": lambda: (json.dumps(TESTS), {"task_id": "third"}),
}
SCORE = {"extra_info": 1.0, "ground_truth": 1.0, "none": 0.0}


@pytest.mark.parametrize("place", sorted(PLACES))
def test_verl_reward_uses_the_checker(live_judge, place):
    ground_truth, extra_info = PLACES[place]()
    out = asyncio.run(
        compute_score_async("xcoder", NINE_DECIMALS, ground_truth, extra_info, judge_url=live_judge.url)
    )
    assert out["score"] == SCORE[place]


@pytest.mark.parametrize("place", sorted(PLACES))
def test_swift_reward_uses_the_checker(live_judge, monkeypatch, place):
    monkeypatch.setenv("XCODER_CLIENT_JUDGE_URL", live_judge.url)
    ground_truth, extra_info = PLACES[place]()
    columns = {"reward_model": [{"style": "rule", "ground_truth": ground_truth}], "extra_info": [extra_info]}
    assert asyncio.run(XCoderJudgeReward()([NINE_DECIMALS], **columns)) == [SCORE[place]]


@pytest.mark.parametrize("place", sorted(PLACES))
def test_trl_rewards_use_the_checker(live_judge, place):
    from xcoder_client.trl_reward import AsyncXCoderTRLReward, XCoderTRLReward

    ground_truth, extra_info = PLACES[place]()
    columns = {"reward_model": [{"style": "rule", "ground_truth": ground_truth}], "extra_info": [extra_info]}
    sync = XCoderTRLReward(live_judge.url)
    assert sync(prompts=["p"], completions=[NINE_DECIMALS], **columns) == [SCORE[place]]
    run = AsyncXCoderTRLReward(live_judge.url)(prompts=["p"], completions=[NINE_DECIMALS], **columns)
    assert asyncio.run(run) == [SCORE[place]]


@pytest.mark.parametrize("place", sorted(PLACES))
def test_the_sft_filter_keeps_a_float_answer_only_with_the_checker(live_judge, tmp_path, place):
    from xcoder_client import JudgeClient

    ground_truth, extra_info = PLACES[place]()
    record = {
        "id": "third",
        "query": "Print 1/3.",
        "response": NINE_DECIMALS,
        "reward_model": {"ground_truth": ground_truth},
        "extra_info": extra_info,
    }
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps(record) + "\n")
    with JudgeClient(live_judge.url) as client:
        stats = RejectionSampler(client, FilterOptions()).run(
            src, tmp_path / "out.jsonl", show_progress=False
        )
    assert stats.kept == int(SCORE[place])


@pytest.mark.parametrize("with_checker", [True, False])
def test_eval_judges_with_the_rows_checker(live_judge, tmp_path, with_checker):
    from eval import lcb
    from eval.evaluate import JUDGEMENTS, SAMPLES, run_judging

    row = {
        "question_id": "third",
        "question_content": "Print 1/3.",
        "contest_date": dt.date(2025, 1, 1).isoformat(),
        "public_test_cases": json.dumps([{"input": "\n", "output": EXPECTED, "testtype": "stdin"}]),
        **({"checker": CHECKER} if with_checker else {}),
    }
    problem = lcb.problem_from_row(row)
    (tmp_path / SAMPLES).write_text(
        json.dumps({"question_id": "third", "index": 0, "text": NINE_DECIMALS}) + "\n"
    )
    run_judging(
        [problem],
        1,
        tmp_path,
        judge_url=live_judge.url,
        time_limit_s=5,
        memory_mb=256,
        concurrency=None,
        prelude="",
        progress=False,
    )
    [judgement] = [json.loads(line) for line in (tmp_path / JUDGEMENTS).read_text().splitlines()]
    assert judgement["correct"] is with_checker


CPP_ADD = (
    '```cpp\n#include <cstdio>\nint main(){long a,b;scanf("%ld %ld",&a,&b);printf("%ld\\n",a+b);}\n```\n'
)


@pytest.mark.parametrize(("extra_info", "score"), [({"language": "cpp"}, 1.0), ({}, 0.0)])
def test_verl_judges_a_row_in_its_own_language(live_judge, extra_info, score):
    """One run mixes Python and C++ rows: the row's language wins over the run's default."""
    from clients.tests.programs import ADD_TESTS

    out = asyncio.run(
        compute_score_async("xcoder", CPP_ADD, json.dumps(ADD_TESTS), extra_info, judge_url=live_judge.url)
    )
    assert out["score"] == score and out["format_ok"] == score
