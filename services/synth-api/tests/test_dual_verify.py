"""Dual verification through the live judge with known candidate pools.

"maxsub" (largest subarray sum) has 8 correct programs and 8 subtly wrong ones (floor at zero,
skipped last element, max element, sum of positives, best prefix, whole sum, missed endings,
stalls forever on a zero). The expected answers come from the reference function below (test
code, not a candidate).
"""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

import pytest
import yaml
from xcoder_synth.dropped import Dropped
from xcoder_synth.judge_gateway import ExecLimits, JudgeGateway
from xcoder_synth.solutions.sample import CandidateSet
from xcoder_synth.verify.dual import (
    TestDecision,
    TimeLimitConfig,
    VerifiedTask,
    VerifyConfig,
    calibrated_time_limit,
    verify_task,
)
from xcoder_synth.verify.vote import VoteRules

from .helpers import candidate_set, input_set, stdio_task

POOLS = yaml.safe_load((Path(__file__).parent / "fixtures" / "pools.yaml").read_text())
MAXSUB = POOLS["maxsub"]
CFG = VerifyConfig(min_candidates=4, min_tests=3, limits=ExecLimits(time_s=1, memory_mb=256))


def best_subarray(a: list[int]) -> int:
    return max(sum(a[i:j]) for i in range(len(a)) for j in range(i + 1, len(a) + 1))


def maxsub_inputs() -> list[list[int]]:
    rng = random.Random(5)
    arrays = [
        [3],
        [-4],
        [1, 2, 3],
        [-3, -1, -2],
        [5, -10, 5],
        [-5, 3],
        [0, 0],
        [2, 0, -1, 4],
        [-2, -3, 0, -1],
    ]
    arrays += [[rng.randint(-9, 9) for _ in range(rng.randint(2, 12))] for _ in range(15)]
    return arrays


def _decisions(result: VerifiedTask | Dropped) -> list[TestDecision]:
    """Per-input decisions, typed, whether the task was kept or dropped (a drop keeps them in extra)."""
    if isinstance(result, Dropped):
        return [TestDecision.model_validate(d) for d in result.extra["decisions"]]
    return result.decisions


def as_stdin(a: list[int]) -> str:
    return f"{len(a)}\n{' '.join(map(str, a))}\n"


def _verify(live_judge, task, cands, inputs, cfg=CFG):
    async def go():
        gateway = JudgeGateway(url=live_judge.url, max_concurrency=4, timeout_s=600)
        try:
            return await verify_task(gateway, task, cands, inputs, cfg)
        finally:
            await gateway.aclose()

    return asyncio.run(go())


@pytest.fixture(scope="module")
def mixed_pool_result(live_judge):
    correct = list(MAXSUB["correct"].values())
    wrong = list(MAXSUB["wrong"].values())
    arrays = maxsub_inputs()
    # Interleave so that the first pool position is a wrong program: golden is chosen on merit.
    programs = [p for pair in zip(wrong, correct, strict=True) for p in pair]
    task = stdio_task("maxsub-mixed")
    result = _verify(
        live_judge, task, candidate_set(task.id, programs), input_set(task.id, [as_stdin(a) for a in arrays])
    )
    return programs, correct, arrays, result


def test_labels_are_the_correct_answers(mixed_pool_result):
    _, _, arrays, result = mixed_pool_result
    assert isinstance(result, VerifiedTask), result
    expected = {as_stdin(a): f"{best_subarray(a)}" for a in arrays}
    assert len(result.tests) == len(arrays)  # the correct group always holds at least half the voters
    for t in result.tests:
        assert t.output.strip() == expected[t.input]


def test_golden_is_correct_and_every_wrong_program_is_caught(mixed_pool_result):
    programs, correct, _, result = mixed_pool_result
    by_id = {f"maxsub-mixed-c{i:02d}": p for i, p in enumerate(programs)}
    assert by_id[result.golden_candidate_id] in correct
    for outcome in result.candidates:
        assert outcome.passed_all == (by_id[outcome.candidate_id] in correct)
    assert result.pass_rate == 0.5


def test_the_time_limit_is_calibrated_from_the_golden_solution(mixed_pool_result):
    _, _, _, result = mixed_pool_result
    assert 0 < result.golden_time_s < 1
    assert result.time_limit_s == calibrated_time_limit(result.golden_time_s, CFG.time_limit)
    tl = TimeLimitConfig(factor=3, min_s=0.5, max_s=4)
    assert [calibrated_time_limit(t, tl) for t in (0.01, 0.4, 2.0)] == [0.5, 1.2, 4.0]


def test_the_stalling_program_fails_exactly_the_inputs_with_a_zero(mixed_pool_result):
    programs, _, arrays, result = mixed_pool_result
    stalls = f"maxsub-mixed-c{programs.index(MAXSUB['wrong']['stalls_on_zero']):02d}"
    [outcome] = [o for o in result.candidates if o.candidate_id == stalls]
    zero_free = sum(1 for a in arrays if 0 not in a)
    assert outcome.passed == zero_free < len(result.tests)  # TLE on every zero, right elsewhere


def test_split_pool_abstains_on_the_contested_inputs_under_the_plain_rule(live_judge):
    correct = list(MAXSUB["correct"].values())
    floor = MAXSUB["floor_variants"]
    arrays = [[1, 2, 3], [-3, -1, -2], [5, -10, 5], [-4], [2, 0, -1, 4], [-7, -8]]
    task = stdio_task("maxsub-split")
    inputs = input_set(task.id, [as_stdin(a) for a in arrays])
    cands = candidate_set(task.id, correct + floor)
    plain = CFG.model_copy(update={"votes": VoteRules(method="plain")})
    result = _verify(live_judge, task, cands, inputs, plain)
    # The kept tests cannot tell a floor program from a correct one: no golden by position.
    assert isinstance(result, Dropped) and result.reason == "tests_not_discriminating"
    status = {d.input_id: d for d in _decisions(result)}
    for a, ti in zip(arrays, inputs.inputs, strict=True):
        d = status[ti.id]
        if all(x < 0 for x in a):
            assert (d.kept, d.reason, d.votes, d.voters) == (False, "abstain_tie", 8, 16)
        else:
            assert d.kept and d.agreement == 1.0
    # The floor pool holds renamed copies (one family, one vote) and programs that earn less
    # weight: the reliability vote labels the contested inputs, with the correct answer.
    weighted = _verify(live_judge, task, cands, inputs)
    assert isinstance(weighted, VerifiedTask)
    labels = {t.input: t.output.strip() for t in weighted.tests}
    assert labels == {as_stdin(a): str(best_subarray(a)) for a in arrays}
    floor_families = {o.family for o in weighted.candidates[8:]}
    assert len(floor_families) < len(floor)


def test_low_agreement_abstains_without_a_tie(live_judge):
    correct = list(MAXSUB["correct"].values())[:7]
    pool = correct + MAXSUB["floor_variants"][:5] + MAXSUB["whole_sum_variants"]
    arrays = [[-3, -1, -2], [1, 2, 3], [4, 5], [6], [3, 3, 3]]
    task = stdio_task("maxsub-low")
    inputs = input_set(task.id, [as_stdin(a) for a in arrays])
    plain = CFG.model_copy(update={"votes": VoteRules(method="plain")})
    result = _verify(live_judge, task, candidate_set(task.id, pool), inputs, plain)
    decisions = {d.input_id: d for d in _decisions(result)}
    first = decisions[inputs.inputs[0].id]
    assert (first.reason, first.votes, first.voters) == ("abstain_low_agreement", 7, 16)
    assert sum(d.kept for d in _decisions(result)) == 4
    # Weighted by reliability, the 7 correct programs outweigh the 9 that disagree there.
    weighted = _verify(live_judge, task, candidate_set(task.id, pool), inputs)
    assert isinstance(weighted, VerifiedTask)
    assert {t.input: t.output.strip() for t in weighted.tests}[inputs.inputs[0].data] == "-1"


def test_checker_aware_voting_for_real_answers(live_judge):
    avg = POOLS["average"]
    programs = list(avg["correct"].values()) + list(avg["wrong"].values())
    datas = ["2\n1 2\n", "3\n1 2 2\n", "1\n-7\n", "4\n1 1 1 2\n", "2\n-1 -2\n"]
    floats = stdio_task("average-floats", checker="floats")
    res = _verify(live_judge, floats, candidate_set(floats.id, programs), input_set(floats.id, datas))
    assert isinstance(res, VerifiedTask) and len(res.tests) == 5
    assert {d.votes for d in res.decisions if d.input_id == res.tests[1].id} == {4}  # 1.6666… in 4 formats
    tokens = stdio_task("average-tokens")
    split = _verify(live_judge, tokens, candidate_set(tokens.id, programs), input_set(tokens.id, datas))
    # Formats split the vote: too few labels, or labels that cannot tell the formats apart.
    assert isinstance(split, Dropped) and split.reason in ("too_few_tests", "tests_not_discriminating")


def test_a_statement_example_that_contradicts_the_vote_drops_the_task(live_judge):
    correct = list(MAXSUB["correct"].values())[:4]
    task = stdio_task("maxsub-bad-example")
    datas = [as_stdin([1, 2, 3]), as_stdin([-1]), as_stdin([4, -1, 4]), as_stdin([2])]
    res = _verify(
        live_judge, task, candidate_set(task.id, correct), input_set(task.id, datas, stated={0: "5\n"})
    )
    assert isinstance(res, Dropped) and res.reason == "sample_mismatch"
    ok = _verify(
        live_judge, task, candidate_set(task.id, correct), input_set(task.id, datas, stated={0: "6\n"})
    )
    assert isinstance(ok, VerifiedTask)


CPP = yaml.safe_load((Path(__file__).parents[3] / "bench" / "synth" / "label_pools.yaml").read_text())[
    "maxsub_cpp"
]


def _pool(task_id: str, programs: list[tuple[str, str]]) -> CandidateSet:
    """A candidate set with a language per program."""
    from xcoder_synth.solutions.fingerprint import family_fingerprint
    from xcoder_synth.solutions.sample import Candidate
    from xcoder_synth.solutions.syntax import fingerprint

    from .helpers import PROV

    return CandidateSet(
        id=task_id,
        candidates=[
            Candidate(
                id=f"{task_id}-c{i:02d}",
                task_id=task_id,
                index=i,
                endpoint="test",
                sample=i,
                language=lang,
                code=code,
                response=f"```cpp\n{code}```\n",
                fingerprint=fingerprint(code, lang),
                family=family_fingerprint(code, lang),
                provenance=PROV,
            )
            for i, (code, lang) in enumerate(programs)
        ],
    )


def test_a_cpp_pool_where_renamed_copies_of_a_wrong_program_outnumber_the_correct_ones(live_judge):
    arrays = maxsub_inputs()[:16]
    task = stdio_task("maxsub-cpp")
    programs = [(c, "cpp17") for c in CPP["floor_copies"]] + [(CPP["wrong"]["floor_at_zero"], "cpp17")]
    programs += [(CPP["correct"]["kadane"], "cpp17"), (CPP["correct"]["brute"], "cpp17")]
    datas = [as_stdin(a) for a in arrays]
    inputs = input_set(task.id, datas)
    result = _verify(live_judge, task, _pool(task.id, programs), inputs)
    assert isinstance(result, VerifiedTask), result
    expected = {as_stdin(a): str(best_subarray(a)) for a in arrays}
    assert len(result.tests) >= 10 and all(t.output.strip() == expected[t.input] for t in result.tests)
    by_id = {f"maxsub-cpp-c{i:02d}": i for i in range(len(programs))}
    assert by_id[result.golden_candidate_id] in (4, 5) and result.golden_language == "cpp17"
    outcomes = {by_id[o.candidate_id]: o for o in result.candidates}
    assert len({outcomes[i].family for i in range(4)}) == 1  # four renamed copies: one family
    assert not any(outcomes[i].passed_all for i in range(4))
    # The plain rule (every distinct program one vote) labels the negative arrays 0 and elects
    # a floor program: the failure this rule set exists for.
    plain = CFG.model_copy(update={"votes": VoteRules(method="plain")})
    wrong = _verify(live_judge, task, _pool(task.id, programs), inputs, plain)
    assert isinstance(wrong, VerifiedTask) and by_id[wrong.golden_candidate_id] in range(4)


def test_the_oracle_vetoes_a_wrong_majority_on_small_inputs(live_judge):
    from xcoder_synth.testgen.models import Program

    from .helpers import PROV

    # Three differently written floor-at-zero programs against one correct program: on arrays
    # of negative numbers the wrong answer (0) has three of four votes.
    floor = MAXSUB["floor_variants"]
    pool = [floor[2], floor[3], floor[6], MAXSUB["correct"]["kadane"]]
    arrays = [[1, 2], [-3, -1], [4, -1, 2], [-2], [-5, -4, -9], [3], [-1, 5, -1]]
    task = stdio_task("maxsub-oracle")
    inputs = input_set(task.id, [as_stdin(a) for a in arrays])
    cfg = CFG.model_copy(update={"min_tests": 5})
    without = _verify(live_judge, task, candidate_set(task.id, pool), inputs, cfg)
    assert isinstance(without, Dropped) or without.golden_candidate_id != "maxsub-oracle-c03"
    oracle = Program(code=MAXSUB["correct"]["brute_slices"], provenance=PROV)

    async def go():
        gateway = JudgeGateway(url=live_judge.url, max_concurrency=4, timeout_s=600)
        try:
            return await verify_task(gateway, task, candidate_set(task.id, pool), inputs, cfg, oracle=oracle)
        finally:
            await gateway.aclose()

    result = asyncio.run(go())
    assert isinstance(result, VerifiedTask), result
    assert result.oracle == "used" and result.golden_candidate_id == "maxsub-oracle-c03"
    assert {t.input: t.output.strip() for t in result.tests} == {
        as_stdin(a): str(best_subarray(a)) for a in arrays
    }
    negative = next(d for d in result.decisions if d.input_id == inputs.inputs[4].id)
    assert negative.oracle == "agrees" and negative.votes == 1 and negative.kept


def test_an_example_decides_even_when_its_vote_abstains(live_judge):
    # Two correct and two floor programs: the all-negative example is a 2-2 tie, yet it is
    # labelled with the stated answer and the floor programs cannot be golden.
    pool = [MAXSUB["floor_variants"][2], MAXSUB["floor_variants"][3], *list(MAXSUB["correct"].values())[:2]]
    arrays = [[-3, -1, -2], [1, 2, 3], [4, -1, 4], [2], [5, 5]]
    task = stdio_task("maxsub-example-tie")
    plain = CFG.model_copy(update={"votes": VoteRules(method="plain")})
    inputs = input_set(task.id, [as_stdin(a) for a in arrays], stated={0: "-1\n"})
    result = _verify(live_judge, task, candidate_set(task.id, pool), inputs, plain)
    assert isinstance(result, VerifiedTask), result
    first = next(d for d in result.decisions if d.input_id == inputs.inputs[0].id)
    assert first.kept and first.votes == 2
    assert result.golden_candidate_id in ("maxsub-example-tie-c02", "maxsub-example-tie-c03")


PAIRSUM = POOLS["pairsum"]
PAIRSUM_INPUTS = [
    "4 6\n1 5 3 3\n",  # pairs (1,2) and (3,4): the correct programs print different ones
    "5 10\n5 1 9 2 8\n",  # (2,3), (4,5); 5+5 only with the same index
    "3 7\n1 2 3\n",  # none
    "6 0\n-1 1 -2 2 -3 3\n",  # three pairs
    "2 4\n2 2\n",  # one pair
    "5 8\n4 1 7 3 5\n",  # (2,3), (4,5); 4+4 only with the same index
    "4 3\n2 5 1 0\n",  # (1,3) only, not adjacent
    "3 2\n1 9 1\n",  # (1,3) only
]


def _pairsum_task(source: str):
    from xcoder_synth.tasks.models import CheckerSpec

    task = stdio_task("pairsum")
    return task.model_copy(update={"checker": CheckerSpec(kind="program", source=source)})


def test_a_task_with_many_valid_answers_votes_by_checker_acceptance(live_judge):
    programs = list(PAIRSUM["correct"].values()) + list(PAIRSUM["wrong"].values())
    inputs = input_set("pairsum", PAIRSUM_INPUTS, stated={0: "3 4\n"})
    by_tokens = _verify(live_judge, stdio_task("pairsum"), candidate_set("pairsum", programs), inputs)
    # Token equality: a valid alternative answer counts as wrong (the example's "3 4" rules out
    # the program that prints "1 2"), or the task is dropped.
    assert isinstance(by_tokens, Dropped) or not all(o.passed_all for o in by_tokens.candidates[:3])
    task = _pairsum_task(PAIRSUM["checker"])
    result = _verify(live_judge, task, candidate_set("pairsum", programs), inputs)
    assert isinstance(result, VerifiedTask), result
    assert result.golden_candidate_id in {f"pairsum-c{i:02d}" for i in range(3)}
    assert [o.passed_all for o in result.candidates] == [True, True, True, False, False]
    assert len(result.tests) == len(PAIRSUM_INPUTS)
    several = next(d for d in result.decisions if d.input_id == inputs.inputs[3].id)
    assert several.kept and several.votes == 5  # "1 2", "5 6", …: different texts, all accepted


def test_a_checker_that_accepts_anything_is_refused(live_judge):
    programs = list(PAIRSUM["correct"].values()) + list(PAIRSUM["wrong"].values())
    inputs = input_set("pairsum", PAIRSUM_INPUTS, stated={0: "3 4\n"})
    res = _verify(
        live_judge, _pairsum_task(PAIRSUM["accept_all_checker"]), candidate_set("pairsum", programs), inputs
    )
    assert isinstance(res, Dropped) and res.reason == "checker_invalid" and "mutated" in res.detail


def test_large_outputs_get_a_larger_cap_instead_of_failing(live_judge):
    # Every program prints about 6 KB; with a 1 KiB first cap each output is cut, and the
    # programs run again with larger caps until the whole answer comes back.
    correct = [
        "n = int(input())\nprint(' '.join(str(i * i) for i in range(n)))\n",
        "n = int(input())\nprint(*[i ** 2 for i in range(n)])\n",
        "import sys\nn = int(sys.stdin.readline())\nsys.stdout.write(' '.join(map(str, (k * k for k in range(n)))) + '\\n')\n",
        "n = int(input())\nout = []\nfor i in range(n):\n    out.append(str(i * i))\nprint(' '.join(out))\n",
    ]
    wrong = ["n = int(input())\nprint(*[i * i + (i == n - 1) for i in range(n)])\n"]
    task = stdio_task("squares-big")
    inputs = input_set(task.id, [f"{n}\n" for n in (1200, 1300, 1400, 1500, 1600)])
    cfg = CFG.model_copy(update={"output_cap_bytes": 1024})
    result = _verify(live_judge, task, candidate_set(task.id, correct + wrong), inputs, cfg)
    assert isinstance(result, VerifiedTask), result
    assert len(result.tests) == 5 and all(len(t.output) > 5000 for t in result.tests)
    assert [o.passed_all for o in result.candidates] == [True] * 4 + [False]
    fixed = cfg.model_copy(update={"max_output_cap_bytes": 1024})
    capped = _verify(live_judge, task, candidate_set(task.id, correct + wrong), inputs, fixed)
    assert isinstance(capped, Dropped)  # without growing the cap every run counts as failed
