"""pass@k (unbiased estimator) and avg@k, overall and grouped.

For a problem with `n` judged samples of which `c` are correct:

* pass@k = 1 − C(n−c, k) / C(n, k)  (Chen et al. 2021), the probability that at least one of k
  samples drawn without replacement from the n is correct; defined for k ≤ n.
* avg@n  = c / n, the mean accuracy of the n samples (what X-Coder's paper reports as avg@8; it
  equals the unbiased pass@1).

Benchmark scores are the unweighted mean over problems.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from math import comb


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased pass@k for one problem with n samples, c of them correct."""
    if n < 0 or c < 0 or c > n:
        raise ValueError(f"need 0 <= c <= n, got n={n}, c={c}")
    if k < 1 or k > n:
        raise ValueError(f"pass@{k} needs 1 <= k <= n (n={n})")
    if n - c < k:
        return 1.0
    # exact with integers; C(n, k) fits easily for the n used in evaluation
    return float(1 - Fraction(comb(n - c, k), comb(n, k)))


@dataclass(frozen=True)
class ProblemScore:
    question_id: str
    n: int
    """judged samples (samples the judge could not score are not counted)"""
    c: int
    """correct samples"""
    difficulty: str = "unknown"
    month: str = "unknown"
    platform: str = "unknown"
    unscored: int = 0
    """samples lost to judge failures (SE after retries); they are excluded from n"""

    @property
    def accuracy(self) -> float:
        return self.c / self.n if self.n else 0.0


def summarize(scores: Sequence[ProblemScore], ks: Iterable[int]) -> dict:
    """Mean avg@n and pass@k over problems. pass@k is reported only when every problem has n ≥ k."""
    ks = sorted(set(ks))
    judged = [s for s in scores if s.n > 0]
    out: dict = {
        "problems": len(scores),
        "problems_without_judged_samples": len(scores) - len(judged),
        "samples": sum(s.n for s in scores),
        "correct": sum(s.c for s in scores),
        "unscored_samples": sum(s.unscored for s in scores),
    }
    if not judged:
        return out
    min_n = min(s.n for s in judged)
    out["min_samples_per_problem"] = min_n
    out["avg"] = sum(s.accuracy for s in judged) / len(judged)
    out["pass@k"] = {
        str(k): sum(pass_at_k(s.n, s.c, k) for s in judged) / len(judged) for k in ks if k <= min_n
    }
    return out


def group_by(scores: Sequence[ProblemScore], key: Callable[[ProblemScore], str], ks: Iterable[int]) -> dict:
    groups: dict[str, list[ProblemScore]] = defaultdict(list)
    for s in scores:
        groups[key(s)].append(s)
    ks = list(ks)
    return {name: summarize(group, ks) for name, group in sorted(groups.items())}


def report(scores: Sequence[ProblemScore], ks: Iterable[int]) -> dict:
    """Overall, by difficulty, by contest month and by platform."""
    ks = list(ks)
    return {
        "overall": summarize(scores, ks),
        "by_difficulty": group_by(scores, lambda s: s.difficulty, ks),
        "by_month": group_by(scores, lambda s: s.month, ks),
        "by_platform": group_by(scores, lambda s: s.platform, ks),
    }


def markdown(rep: dict, *, k: int, title: str = "LiveCodeBench") -> str:
    """A short Markdown table of a `report()`."""
    overall = rep["overall"]
    ks = list(overall.get("pass@k", {}))
    header = ["group", "problems", f"avg@{k}", *[f"pass@{x}" for x in ks]]
    lines = [f"## {title}", "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]

    def row(name: str, s: dict) -> str:
        cells = [name, str(s["problems"])]
        cells.append(f"{100 * s['avg']:.1f}" if "avg" in s else "–")
        cells += [f"{100 * s['pass@k'][x]:.1f}" if x in s.get("pass@k", {}) else "–" for x in ks]
        return "| " + " | ".join(cells) + " |"

    lines.append(row("**overall**", overall))
    for section, label in (
        ("by_difficulty", "difficulty"),
        ("by_month", "month"),
        ("by_platform", "platform"),
    ):
        for name, s in rep[section].items():
            lines.append(row(f"{label}: {name}", s))
    if overall.get("unscored_samples"):
        lines += [
            "",
            f"{overall['unscored_samples']} samples could not be judged (judge errors) and are excluded.",
        ]
    return "\n".join(lines) + "\n"
