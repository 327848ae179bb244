"""Which voters are not independent: families of near-copies, and behaviour classes.

A *family* is a set of candidates that should count as one voter: the same identifier-insensitive
fingerprint (renamed copies), or identical behaviour on every input together with a family-token
similarity of at least ``near_copy_similarity`` (copies with small edits). Candidates that behave
identically but are written differently stay separate families: that is what independent
correct solutions look like.

A *behaviour class* is a set of voters whose outcomes are checker-equivalent on every input
(same output, or the same failure). Golden selection uses it: two candidates in different
classes are different programs, whatever their text.
"""

from __future__ import annotations

from collections.abc import Sequence

from xcoder_synth.judge_gateway import RunOutcome
from xcoder_synth.solutions.fingerprint import similarity
from xcoder_synth.verify.compare import Same


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, x: int) -> int:
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)

    def labels(self) -> list[int]:
        """Class index per element, numbered by first member."""
        roots: dict[int, int] = {}
        return [roots.setdefault(self.find(i), len(roots)) for i in range(len(self.parent))]


def same_outcome(a: RunOutcome, b: RunOutcome, same: Same) -> bool:
    if a.ran and b.ran:
        return same(a.stdout or "", b.stdout or "")
    return not a.ran and not b.ran


def behaviour_classes(matrix: Sequence[Sequence[RunOutcome]], same: Same | Sequence[Same]) -> list[int]:
    """Class index per voter; equal indices = equivalent outcomes on every input."""
    n_inputs = len(matrix[0]) if matrix else 0
    sames = [same] * n_inputs if callable(same) else list(same)
    reps: list[int] = []
    out: list[int] = []
    for v, row in enumerate(matrix):
        for k, r in enumerate(reps):
            if all(same_outcome(x, y, s) for x, y, s in zip(row, matrix[r], sames, strict=True)):
                out.append(k)
                break
        else:
            reps.append(v)
            out.append(len(reps) - 1)
    return out


def families(
    family_prints: Sequence[str],
    family_tokens: Sequence[Sequence[str]],
    behaviour: Sequence[int],
    *,
    near_copy_similarity: float,
) -> list[int]:
    """Family index per voter (see the module docstring)."""
    n = len(family_prints)
    uf = _UnionFind(n)
    for i in range(n):
        for j in range(i + 1, n):
            if family_prints[i] == family_prints[j] or (
                near_copy_similarity <= 1.0
                and behaviour[i] == behaviour[j]
                and similarity(list(family_tokens[i]), list(family_tokens[j])) >= near_copy_similarity
            ):
                uf.union(i, j)
    return uf.labels()
