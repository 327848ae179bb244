"""Label each input by vote over candidate outputs, or abstain, and say why.

Fixes X-Coder's plurality vote (synthsmith.md gap 11-12): outputs are grouped by the task's
checker (tokens, float tolerance), the winning group must hold at least ``min_votes``
candidates and ``min_agreement`` of ALL voters (failed runs count against agreement), a tie
for first place abstains, and nothing depends on random tie-breaks.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, Field

from xcoder_synth.verify.compare import Same
from xcoder_synth.verify.gateway import RunOutcome

VoteStatus = Literal[
    "labelled", "abstain_low_agreement", "abstain_tie", "abstain_few_votes", "abstain_no_runs"
]


class Vote(BaseModel):
    status: VoteStatus
    label: str | None = None
    agreement: float = Field(0.0, description="Winning group size / number of voters.")
    votes: int = 0
    voters: int = 0
    ran: int = Field(0, description="Voters whose program exited cleanly within the limits.")
    groups: list[int] = Field(default_factory=list, description="Group sizes, largest first.")
    members: list[int] = Field(default_factory=list, description="Voter positions in the winning group.")


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


def vote(column: Sequence[RunOutcome], same: Same, *, min_agreement: float, min_votes: int) -> Vote:
    """The label of one input from the outcomes of every voter on it."""
    voters = len(column)
    ran = [(v, o.stdout or "") for v, o in enumerate(column) if o.ran]
    if not ran:
        return Vote(status="abstain_no_runs", voters=voters)
    groups = group_outputs(ran, same)
    sizes = [len(m) for _, m in groups]
    label, members = groups[0]
    top = len(members)
    base = Vote(
        status="labelled",
        agreement=top / voters,
        votes=top,
        voters=voters,
        ran=len(ran),
        groups=sizes,
        members=sorted(members),
    )
    if len(sizes) > 1 and sizes[1] == top:
        return base.model_copy(update={"status": "abstain_tie", "members": []})
    if top < min_votes:
        return base.model_copy(update={"status": "abstain_few_votes", "members": []})
    if top / voters < min_agreement:
        return base.model_copy(update={"status": "abstain_low_agreement", "members": []})
    return base.model_copy(update={"label": label})


def label_inputs(
    matrix: Sequence[Sequence[RunOutcome]], same: Same, *, min_agreement: float, min_votes: int
) -> list[Vote]:
    """Votes for every input; ``matrix[voter][input]``."""
    if not matrix:
        return []
    n_inputs = len(matrix[0])
    return [
        vote([row[i] for row in matrix], same, min_agreement=min_agreement, min_votes=min_votes)
        for i in range(n_inputs)
    ]
