"""SFT rows: the solving prompt as the query, a verified candidate's full reply as the response."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel

from xcoder_synth.ids import stable_id
from xcoder_synth.prompts.solutions import solve_query
from xcoder_synth.solutions.sample import Candidate, CandidateSet
from xcoder_synth.verify.records import VerifiedTask


class SftRow(BaseModel):
    id: str
    task_id: str
    candidate_id: str
    query: str
    response: str
    messages: list[dict[str, str]]
    meta: dict[str, Any]


def response_text(c: Candidate) -> str:
    """The reply as trained on; a separate reasoning channel is put back in ``<think>`` tags."""
    text = c.response or ""
    if c.reasoning and "<think>" not in text:
        return f"<think>\n{c.reasoning.strip()}\n</think>\n\n{text.lstrip()}"
    return text


def sft_rows(
    verified: VerifiedTask, cands: CandidateSet, *, mode: Literal["verified", "golden"], limit: int
) -> list[SftRow]:
    passing = {o.candidate_id for o in verified.candidates if o.passed_all}
    chosen: list[Candidate] = []
    for c in sorted(cands.candidates, key=lambda c: (c.id != verified.golden_candidate_id, c.index)):
        wanted = c.id == verified.golden_candidate_id or (mode == "verified" and c.id in passing)
        if wanted and c.response:
            chosen.append(c)
    query = solve_query(verified.task)
    rows = []
    for c in chosen[:limit]:
        response = response_text(c)
        rows.append(
            SftRow(
                id=stable_id("sft", verified.id, c.id),
                task_id=verified.id,
                candidate_id=c.id,
                query=query,
                response=response,
                messages=[{"role": "user", "content": query}, {"role": "assistant", "content": response}],
                meta={
                    "style": verified.task.style,
                    "golden": c.id == verified.golden_candidate_id,
                    "pass_rate": verified.pass_rate,
                    "features": [" > ".join(f.path) for f in verified.task.features],
                    "model": c.provenance.model,
                    "endpoint": c.provenance.endpoint,
                    "prompt": f"{c.provenance.prompt_id}@{c.provenance.prompt_version}",
                    "sampling": c.provenance.sampling,
                    "task_provenance": {k: v.model_dump() for k, v in verified.task.provenance.items()},
                },
            )
        )
    return rows
