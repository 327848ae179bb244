"""Label each input by a weighted vote over candidate outputs, or abstain, and say why.

Fixes X-Coder's plurality vote (synthsmith.md gap 11-12) and the correlated-voter failure of a
plain majority:

- outputs are grouped by the task's checker (tokens, float tolerance);
- a *family* of near-copies (``families.py``) is one voter: its weight is shared by its members;
- each family's weight is its reliability, estimated by a one-coin Dawid–Skene iteration: the
  smoothed share ``p`` of decided inputs where the family agrees with the label, weight
  ``log(p / (1 − p))`` clipped to ``[0, max_weight]`` (a family no better than a coin has no say).
  Statement examples (their stated answer is the truth) and inputs the oracle backs count
  ``anchor_weight`` times;
- the brute-force oracle, where it ran, votes with ``oracle_share`` × the families' total weight;
- a statement example is labelled with its stated answer when any voter or the oracle
  reproduces it (else ``sample_mismatch``), whatever the vote; a candidate that gets an example
  wrong is known wrong and has no vote anywhere (``example_veto``);
- the winning group must be strictly first, hold ``min_votes`` independent supporters
  (families, the oracle) and ``min_agreement`` of ALL weight (failed runs count against it).

Nothing depends on pool position or random tie-breaks.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, Field

from xcoder_synth.judge_gateway import RunOutcome
from xcoder_synth.verify.compare import Same

VoteStatus = Literal[
    "labelled",
    "abstain_low_agreement",
    "abstain_tie",
    "abstain_few_votes",
    "abstain_no_runs",
    "sample_mismatch",
]
OracleSay = Literal["agrees", "disagrees", "absent"]
ORACLE = -1
"""The oracle's position in a group's members (candidates are 0…n-1)."""


class VoteRules(BaseModel):
    """How votes are weighted (see the module docstring)."""

    method: Literal["reliability", "families", "plain"] = Field(
        "reliability",
        description="`families`: every family weighs 1 (no reliability estimate); `plain`: every "
        "distinct candidate weighs 1 (the earlier rule, for comparison).",
    )
    near_copy_similarity: float = Field(
        0.85,
        ge=0,
        le=1.01,
        description="Family-token similarity joining identically-behaving copies; >1 = off.",
    )
    rounds: int = Field(10, ge=1, le=100, description="Dawid–Skene iterations at most.")
    prior: float = Field(1.0, gt=0, description="Pseudo-counts for and against each family.")
    anchor_weight: float = Field(3.0, ge=1, description="Weight of examples and oracle-backed inputs.")
    max_weight: float = Field(4.6, gt=0, description="Largest family weight (log-odds of 0.99).")
    oracle_share: float = Field(1.0, ge=0, description="Oracle vote / total family weight.")
    example_veto: bool = Field(
        True,
        description="A candidate that gets a statement example wrong is known wrong: it has no vote "
        "(unless every candidate does).",
    )


class Vote(BaseModel):
    status: VoteStatus
    label: str | None = None
    agreement: float = Field(0.0, description="Weight of the winning group / all weight on the input.")
    votes: int = Field(0, description="Candidates in the winning group.")
    voters: int = 0
    support: int = Field(0, description="Independent supporters of the winning group (families, oracle).")
    ran: int = Field(0, description="Voters whose program exited cleanly within the limits.")
    groups: list[int] = Field(
        default_factory=list, description="Group sizes (candidates), largest weight first."
    )
    members: list[int] = Field(default_factory=list, description="Voter positions in the winning group.")
    leaders: list[int] = Field(
        default_factory=list, description="Voters in the strictly first group, labelled or not (reliability)."
    )
    oracle: OracleSay = "absent"


def group_outputs(outputs: Sequence[tuple[int, str]], same: Same) -> list[tuple[str, list[int]]]:
    """Group (voter, output) pairs into checker-equivalence classes, largest first.

    Identical strings are grouped first; each distinct string then joins the first larger group
    whose representative it matches. Order is deterministic: by size, then by text.
    """
    exact: dict[str, list[int]] = {}
    for voter, text in outputs:
        exact.setdefault(text, []).append(voter)
    groups: list[tuple[str, list[int]]] = []
    for text, voters in sorted(exact.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        for rep, members in groups:
            if same(text, rep):
                members.extend(voters)
                break
        else:
            groups.append((text, list(voters)))
    groups = [(text, sorted(members)) for text, members in groups]
    groups.sort(key=lambda g: (-len(g[1]), g[0]))
    return groups


def tally(
    groups: Sequence[tuple[str, Sequence[int]]],
    *,
    voters: int,
    ran: int,
    share: Sequence[float],
    family: Sequence[int],
    oracle_weight: float,
    stated: str | None,
    same: Same,
    min_agreement: float,
    min_votes: int,
) -> Vote:
    """The vote on one input from its output groups (members: voter positions, ``ORACLE``).

    ``share[v]`` is voter v's weight (its family's weight / family size).
    """
    oracle_ran = any(ORACLE in m for _, m in groups)
    total = sum(share) + (oracle_weight if oracle_ran else 0.0)
    if not groups:
        return Vote(status="abstain_no_runs", voters=voters)

    def weight(members: Sequence[int]) -> float:
        return sum(oracle_weight if v == ORACLE else share[v] for v in members)

    scored = sorted(
        ((weight(m), text, list(m)) for text, m in groups), key=lambda g: (-g[0], -len(g[2]), g[1])
    )
    pick = next((g for g in scored if same(g[1], stated)), None) if stated is not None else scored[0]
    sizes = [sum(1 for v in m if v != ORACLE) for _, _, m in scored]
    if pick is None:
        top_w, top_members = 0.0, []
    else:
        top_w, top_members = pick[0], pick[2]
    cands = sorted(v for v in top_members if v != ORACLE)
    base = Vote(
        status="labelled",
        agreement=top_w / total if total > 0 else 0.0,
        votes=len(cands),
        voters=voters,
        support=len({family[v] for v in cands}) + (1 if ORACLE in top_members else 0),
        ran=ran,
        groups=sizes,
        members=cands,
        leaders=cands,
        oracle="absent" if not oracle_ran else ("agrees" if ORACLE in top_members else "disagrees"),
    )
    if stated is not None:
        if pick is None:
            return base.model_copy(update={"status": "sample_mismatch", "members": []})
        return base.model_copy(update={"label": stated})
    if len(scored) > 1 and math.isclose(scored[1][0], top_w, rel_tol=1e-9, abs_tol=1e-12):
        return base.model_copy(update={"status": "abstain_tie", "members": [], "leaders": []})
    if base.support < min_votes:
        return base.model_copy(update={"status": "abstain_few_votes", "members": []})
    if total <= 0 or top_w / total < min_agreement - 1e-12:
        return base.model_copy(update={"status": "abstain_low_agreement", "members": []})
    return base.model_copy(update={"label": pick[1]})  # type: ignore[index]


def vote(column: Sequence[RunOutcome], same: Same, *, min_agreement: float, min_votes: int) -> Vote:
    """Plain vote on one input: every voter independent, weight 1, no oracle, no stated answer."""
    ran = [(v, o.stdout or "") for v, o in enumerate(column) if o.ran]
    return tally(
        group_outputs(ran, same),
        voters=len(column),
        ran=len(ran),
        share=[1.0] * len(column),
        family=list(range(len(column))),
        oracle_weight=0.0,
        stated=None,
        same=same,
        min_agreement=min_agreement,
        min_votes=min_votes,
    )


class Reliability(BaseModel):
    """The weight each family ended with, and how it was earned."""

    family: int
    members: list[int]
    weight: float
    accuracy: float = Field(description="Smoothed agreement with the labels (anchors count more).")
    decided: float = Field(description="Weighted number of decided inputs it was measured on.")


class Ballot(BaseModel):
    """Votes on every input, and the family weights that produced them."""

    votes: list[Vote]
    reliabilities: list[Reliability]
    rounds: int


def label_inputs(
    matrix: Sequence[Sequence[RunOutcome]],
    same: Same | Sequence[Same],
    *,
    min_agreement: float,
    min_votes: int,
    family: Sequence[int] | None = None,
    stated: Sequence[str | None] | None = None,
    oracle: Sequence[RunOutcome | None] | None = None,
    rules: VoteRules | None = None,
) -> Ballot:
    """Votes for every input; ``matrix[voter][input]``, ``oracle[input]`` (None: not run there).

    ``same`` is one relation, or one per input (checker programs: ``verify/acceptance.py``).
    Steps: group each input's outputs, weigh families by the statement examples, vote in rounds
    (re-estimating reliabilities between them), report each family's weight.
    """
    rules = rules or VoteRules()
    n_voters = len(matrix)
    n_inputs = len(matrix[0]) if matrix else (len(stated) if stated is not None else 0)
    voters = _Electorate(
        family=list(family) if family is not None else list(range(n_voters)),
        sames=[same] * n_inputs if callable(same) else list(same),
        stated=list(stated) if stated is not None else [None] * n_inputs,
    )
    oracle = list(oracle) if oracle is not None else [None] * n_inputs
    columns = _columns(matrix, oracle, voters.sames)
    weights = _example_weights(matrix, voters, rules)
    votes, used, rounds = _vote_rounds(
        columns, weights, voters, rules, min_agreement=min_agreement, min_votes=min_votes
    )
    return Ballot(votes=votes, reliabilities=_reliabilities(votes, used, voters, rules), rounds=rounds)


@dataclass(frozen=True)
class _Electorate:
    """Who votes on what: each voter's family, and each input's relation and stated answer."""

    family: list[int]
    sames: list[Same]
    stated: list[str | None]
    members: dict[int, list[int]] = field(init=False)

    def __post_init__(self) -> None:
        members = {f: [v for v, fv in enumerate(self.family) if fv == f] for f in sorted(set(self.family))}
        object.__setattr__(self, "members", members)

    @property
    def n_voters(self) -> int:
        return len(self.family)


_Column = tuple[list[tuple[str, list[int]]], int]
"""One input's output groups (the oracle's among them) and how many candidates ran on it."""


def _columns(
    matrix: Sequence[Sequence[RunOutcome]], oracle: Sequence[RunOutcome | None], sames: Sequence[Same]
) -> list[_Column]:
    """Group each input's outputs (the candidates' that ran, and the oracle's) by its relation."""
    columns: list[_Column] = []
    for i, same in enumerate(sames):
        outs = [(v, runs[i].stdout or "") for v, runs in enumerate(matrix) if runs[i].ran]
        o = oracle[i]
        with_oracle = outs + ([(ORACLE, o.stdout or "")] if o is not None and o.ran else [])
        columns.append((group_outputs(with_oracle, same), len(outs)))
    return columns


def _example_weights(
    matrix: Sequence[Sequence[RunOutcome]], voters: _Electorate, rules: VoteRules
) -> dict[int, float]:
    """Starting weight per family: 1, or with the example veto the share of its members that
    reproduce every statement example (a candidate that gets one wrong is known wrong)."""
    passing = [
        all(
            stated is None or (runs[i].ran and same(runs[i].stdout or "", stated or ""))
            for i, (same, stated) in enumerate(zip(voters.sames, voters.stated, strict=True))
        )
        for runs in matrix
    ]
    veto = rules.example_veto and rules.method != "plain" and any(passing)
    return {f: (sum(passing[v] for v in ms) / len(ms) if veto else 1.0) for f, ms in voters.members.items()}


def _vote_rounds(
    columns: Sequence[_Column],
    weights: dict[int, float],
    voters: _Electorate,
    rules: VoteRules,
    *,
    min_agreement: float,
    min_votes: int,
) -> tuple[list[Vote], dict[int, float], int]:
    """Tally every input; with ``reliability``, re-weigh families by agreement and tally again
    until the labels and leaders stop changing or ``rules.rounds`` is reached.
    Returns the votes, the weights the last tally used, and the rounds taken."""
    family, members = voters.family, voters.members
    used = weights
    votes: list[Vote] = []
    rounds = 0
    while rounds < rules.rounds:
        rounds += 1
        used = weights
        share = [weights[family[v]] / len(members[family[v]]) for v in range(voters.n_voters)]
        oracle_weight = rules.oracle_share * sum(weights.values())
        new = [
            tally(
                groups,
                voters=voters.n_voters,
                ran=ran,
                share=share,
                family=family,
                oracle_weight=oracle_weight,
                stated=voters.stated[i],
                same=voters.sames[i],
                min_agreement=min_agreement,
                min_votes=min_votes,
            )
            for i, (groups, ran) in enumerate(columns)
        ]
        stable = [(v.label, v.leaders) for v in new] == [(v.label, v.leaders) for v in votes]
        votes = new
        if rules.method != "reliability" or stable:
            break
        stats = _agreement(votes, family, members, voters.stated, rules)
        weights = {f: min(rules.max_weight, max(0.0, math.log(p / (1 - p)))) for f, (p, _) in stats.items()}
    return votes, used, rounds


def _reliabilities(
    votes: Sequence[Vote], used: dict[int, float], voters: _Electorate, rules: VoteRules
) -> list[Reliability]:
    """Each family's members, the weight it voted with, and its agreement with the final votes."""
    stats = _agreement(votes, voters.family, voters.members, voters.stated, rules)
    return [
        Reliability(
            family=f,
            members=ms,
            weight=round(used[f], 4),
            accuracy=round(stats[f][0], 4),
            decided=round(stats[f][1], 2),
        )
        for f, ms in voters.members.items()
    ]


def _agreement(
    votes: Sequence[Vote],
    family: Sequence[int],
    members: dict[int, list[int]],
    stated: Sequence[str | None],
    rules: VoteRules,
) -> dict[int, tuple[float, float]]:
    """Per family: (smoothed agreement with the leading group, weighted count of decided inputs).

    An input is decided when one group is strictly first, labelled or not (as Dawid–Skene starts
    from the majority, not from confident labels only); anchors count ``anchor_weight`` times.
    """
    hits = {f: 0.0 for f in members}
    seen = {f: 0.0 for f in members}
    for i, v in enumerate(votes):
        if not v.leaders:
            continue
        anchored = (stated[i] is not None and v.label is not None) or v.oracle == "agrees"
        c = rules.anchor_weight if anchored else 1.0
        in_label = set(v.leaders)
        for f, ms in members.items():
            hits[f] += c * sum(1 for m in ms if m in in_label) / len(ms)
            seen[f] += c
    return {f: ((hits[f] + rules.prior) / (seen[f] + 2 * rules.prior), seen[f]) for f in members}
