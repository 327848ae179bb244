"""Voting and golden selection as pure functions, with the judge's own checkers."""

from __future__ import annotations

from xcoder_synth.judge_gateway import RunOutcome
from xcoder_synth.verify.compare import equivalence
from xcoder_synth.verify.golden import GoldenConfig, TestPoint, assign_splits, choose_golden, weight_of
from xcoder_synth.verify.vote import group_outputs, vote
from xcoder_wire.schemas import FloatsChecker, TokensChecker


def ok(text: str) -> RunOutcome:
    return RunOutcome(verdict="AC", stdout=text)


def failed(verdict: str = "RE") -> RunOutcome:
    return RunOutcome(verdict=verdict, stdout="")


TOKENS = equivalence(TokensChecker())
FLOATS = equivalence(FloatsChecker(abs_tol=1e-6, rel_tol=1e-6))


def test_whitespace_differences_vote_together_under_the_tokens_checker():
    column = [ok("1 2\n"), ok("1  2"), ok("1\n2\n"), ok("3\n")]
    v = vote(column, TOKENS, min_agreement=0.5, min_votes=2)
    assert v.status == "labelled" and v.votes == 3 and v.agreement == 0.75
    assert v.members == [0, 1, 2] and v.groups == [3, 1]


def test_float_tolerance_groups_formats_of_one_number():
    column = [ok("2.5\n"), ok("2.5"), ok("2.5000000000\n"), ok("2.500000\n"), ok("2.5000001\n"), ok("2\n")]
    assert vote(column, FLOATS, min_agreement=0.5, min_votes=2).votes == 5
    # Without tolerance the same outputs split and nothing reaches half of the voters.
    assert vote(column, TOKENS, min_agreement=0.5, min_votes=2).status == "abstain_low_agreement"


def test_failed_runs_count_against_agreement():
    column = [ok("7"), ok("7"), failed("TLE"), failed("RE"), failed("MLE")]
    v = vote(column, TOKENS, min_agreement=0.5, min_votes=2)
    assert v.status == "abstain_low_agreement" and v.agreement == 0.4 and v.ran == 2 and v.label is None


def test_a_tie_for_first_place_abstains_whatever_the_threshold():
    column = [ok("1"), ok("1"), ok("2"), ok("2")]
    assert vote(column, TOKENS, min_agreement=0.1, min_votes=1).status == "abstain_tie"


def test_too_few_votes_and_no_runs():
    assert vote([ok("5"), failed()], TOKENS, min_agreement=0.5, min_votes=2).status == "abstain_few_votes"
    assert vote([failed(), failed("TLE")], TOKENS, min_agreement=0.5, min_votes=1).status == "abstain_no_runs"


def test_truncated_output_is_not_a_vote():
    column = [RunOutcome(verdict="AC", stdout="1" * 10, truncated=True), ok("2"), ok("2")]
    v = vote(column, TOKENS, min_agreement=0.5, min_votes=2)
    assert v.ran == 2 and v.label == "2"


def test_grouping_is_deterministic():
    pairs = [(0, "b"), (1, "a"), (2, "b"), (3, "a")]
    assert (
        group_outputs(pairs, TOKENS)
        == group_outputs(list(reversed(pairs)), TOKENS)
        == [
            ("a", [1, 3]),
            ("b", [0, 2]),
        ]
    )


def _points(n: int, source: str = "random", agreement: float = 1.0) -> list[TestPoint]:
    return [TestPoint(id=f"t{i}", source=source, agreement=agreement) for i in range(n)]


def test_splits_keep_examples_public_and_both_sides_non_empty():
    points = [TestPoint(id="ex", source="example", agreement=1.0), *_points(10)]
    splits = assign_splits(points, 0.3)
    assert splits[0] == "selection" and "holdout" in splits and splits.count("selection") >= 2
    assert assign_splits(points, 0.3) == splits  # deterministic
    assert "holdout" in assign_splits(_points(2), 0.01)  # forced when the hash put none there


def test_weights_favour_contested_and_maximum_tests():
    cfg = GoldenConfig()
    easy = weight_of(TestPoint(id="a", source="random", agreement=1.0), cfg)
    contested = weight_of(TestPoint(id="b", source="random", agreement=0.5), cfg)
    big = weight_of(TestPoint(id="c", source="max", agreement=1.0), cfg)
    assert easy == 1.0 and contested == 1.5 and big == 2.0


def test_golden_must_also_pass_the_holdout():
    points = _points(12)
    splits = assign_splits(points, 0.3)
    hold = [i for i, s in enumerate(splits) if s == "holdout"]
    sel = [i for i, s in enumerate(splits) if s == "selection"]
    overfit = [i not in hold for i in range(12)]  # perfect on selection, fails every hold-out test
    honest = [i != sel[0] for i in range(12)]  # one selection test wrong, hold-out perfect
    choice = choose_golden([overfit, honest], points, GoldenConfig(min_selection_score=0.8))
    assert [c.position for c in choice.ranking] == [0, 1]  # the overfit one ranks first on selection…
    assert choice.position == 1  # …and is rejected by the hold-out


def test_no_golden_below_the_thresholds_and_no_tie_goes_to_the_earlier_candidate():
    points = _points(6)
    weak = [True, False, True, False, True, False]
    choice = choose_golden([weak, weak], points, GoldenConfig())
    assert choice.position is None and "best candidate scores" in choice.reason
    relaxed = GoldenConfig(min_selection_score=0.0, min_holdout_pass=0.0)
    # Two different programs (behaviour classes 0 and 1) with equal passes: neither wins by position.
    tied = choose_golden([weak, weak], points, relaxed)
    assert tied.position is None and tied.code == "tests_not_discriminating"
