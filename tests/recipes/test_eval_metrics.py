"""eval/metrics.py: unbiased pass@k and avg@k."""

from __future__ import annotations

import itertools
from fractions import Fraction

import pytest

from eval.metrics import ProblemScore, markdown, pass_at_k, report, summarize


def brute_force_pass_at_k(n: int, c: int, k: int) -> Fraction:
    """Fraction of k-subsets of n samples (c correct) that contain a correct one."""
    samples = [True] * c + [False] * (n - c)
    subsets = list(itertools.combinations(range(n), k))
    return Fraction(sum(any(samples[i] for i in s) for s in subsets), len(subsets))


@pytest.mark.parametrize("n", [1, 2, 4, 5, 8])
def test_pass_at_k_equals_the_subset_definition(n):
    for c in range(n + 1):
        for k in range(1, n + 1):
            assert pass_at_k(n, c, k) == pytest.approx(float(brute_force_pass_at_k(n, c, k)), abs=1e-12)


def test_pass_at_k_known_values():
    assert pass_at_k(4, 2, 2) == pytest.approx(5 / 6)  # 1 - C(2,2)/C(4,2)
    assert pass_at_k(8, 1, 1) == pytest.approx(1 / 8)
    assert pass_at_k(8, 0, 8) == 0.0
    assert pass_at_k(8, 8, 1) == 1.0
    assert pass_at_k(10, 3, 5) == pytest.approx(1 - 21 / 252)  # C(7,5)/C(10,5)
    # large n stays exact
    assert pass_at_k(200, 1, 100) == pytest.approx(0.5)


@pytest.mark.parametrize(("n", "c", "k"), [(4, 5, 1), (4, -1, 1), (4, 2, 0), (4, 2, 5)])
def test_pass_at_k_rejects_impossible_inputs(n, c, k):
    with pytest.raises(ValueError):
        pass_at_k(n, c, k)


def test_summary_is_the_mean_over_problems_and_skips_k_above_n():
    scores = [
        ProblemScore("a", n=4, c=2, difficulty="easy"),
        ProblemScore("b", n=4, c=3, difficulty="medium"),
        ProblemScore("c", n=4, c=1, difficulty="hard", unscored=1),
        ProblemScore("d", n=0, c=0, difficulty="hard", unscored=4),
    ]
    s = summarize(scores, [1, 2, 4, 8])
    assert s["problems"] == 4
    assert s["problems_without_judged_samples"] == 1
    assert s["samples"] == 12 and s["correct"] == 6 and s["unscored_samples"] == 5
    assert s["avg"] == pytest.approx((0.5 + 0.75 + 0.25) / 3)
    assert s["pass@k"]["1"] == pytest.approx(s["avg"])  # avg@n is the unbiased pass@1
    assert s["pass@k"]["2"] == pytest.approx((5 / 6 + 1 + 0.5) / 3)
    assert s["pass@k"]["4"] == pytest.approx(1.0)
    assert "8" not in s["pass@k"]  # needs n >= 8 everywhere


def test_report_groups_and_markdown():
    scores = [
        ProblemScore("a", n=2, c=2, difficulty="easy", month="2024-09", platform="atcoder"),
        ProblemScore("b", n=2, c=0, difficulty="hard", month="2024-09", platform="codeforces"),
    ]
    rep = report(scores, [1, 2])
    assert rep["overall"]["avg"] == pytest.approx(0.5)
    assert rep["by_difficulty"]["easy"]["avg"] == 1.0
    assert rep["by_difficulty"]["hard"]["avg"] == 0.0
    assert rep["by_month"]["2024-09"]["problems"] == 2
    assert set(rep["by_platform"]) == {"atcoder", "codeforces"}
    md = markdown(rep, k=2)
    assert "| **overall** | 2 | 50.0 | 50.0 | 50.0 |" in md
    assert "| difficulty: easy | 1 | 100.0 | 100.0 | 100.0 |" in md
