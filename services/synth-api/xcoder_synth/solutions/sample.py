"""Sample N candidate solutions per task from one or more models.

Candidates are extracted with the shared extractor (``xcoder_client.extract``) and filtered
statically; identical programs (same AST) are marked as duplicates so that they cast one vote.
"""

from __future__ import annotations

import asyncio
from typing import Any

from pydantic import BaseModel, Field, field_validator

from xcoder_synth.ids import stable_id
from xcoder_synth.llm import LLMPool, ParseFailure, Provenance, ask_code
from xcoder_synth.prompts import solutions as prompts
from xcoder_synth.solutions.fingerprint import family_fingerprint, language_id
from xcoder_synth.solutions.syntax import fingerprint, syntax_problem
from xcoder_synth.tasks.models import TaskRecord


class ModelSamples(BaseModel):
    endpoint: str
    samples: int = Field(8, ge=1, le=256)
    language: str = Field("python3", description="Judge language the model is asked to answer in.")

    @field_validator("language")
    @classmethod
    def _language(cls, v: str) -> str:
        return language_id(v)


class Candidate(BaseModel):
    id: str
    task_id: str
    index: int = Field(description="Position in the task's pool (stable across reruns).")
    endpoint: str
    sample: int
    language: str = Field("python3", description="Judge language id of the program.")
    code: str | None = None
    response: str | None = Field(None, description="The full reply, reasoning included (SFT response).")
    reasoning: str | None = None
    fingerprint: str | None = None
    family: str | None = Field(None, description="Identifier-insensitive fingerprint (near-copies share it).")
    duplicate_of: str | None = None
    reject_reason: str | None = None
    reject_detail: str | None = None
    provenance: Provenance

    @property
    def usable(self) -> bool:
        return self.code is not None and self.reject_reason is None

    @property
    def voter(self) -> bool:
        return self.usable and self.duplicate_of is None


class CandidateSet(BaseModel):
    id: str = Field(description="The task id.")
    candidates: list[Candidate]

    @property
    def voters(self) -> list[Candidate]:
        return [c for c in self.candidates if c.voter]


async def sample_candidates(pool: LLMPool, task: TaskRecord, models: list[ModelSamples]) -> CandidateSet:
    fn_name = task.fn_name

    def check_for(language: str):
        def check(code: str) -> str | None:
            return syntax_problem(code, fn_name=fn_name, language=language)

        return check

    jobs = [(m.endpoint, s, m.language) for m in models for s in range(m.samples)]
    results = await asyncio.gather(
        *(
            ask_code(
                pool.get(endpoint),
                prompts.solve(task, language),
                language=language,
                sample=s,
                attempts=1,
                check=check_for(language),
            )
            for endpoint, s, language in jobs
        )
    )
    candidates: list[Candidate] = []
    first_by_print: dict[str, str] = {}
    for index, ((endpoint, s, language), result) in enumerate(zip(jobs, results, strict=True)):
        # Python ids stay as before (resume); other languages are part of the id.
        cid = stable_id("candidate", task.id, endpoint, s, *([language] if language != "python3" else []))
        drawn: dict[str, Any] = {
            "id": cid,
            "task_id": task.id,
            "index": index,
            "endpoint": endpoint,
            "sample": s,
            "language": language,
            "provenance": result.provenance,
        }
        if isinstance(result, ParseFailure):
            candidates.append(Candidate(**drawn, reject_reason=result.reason, reject_detail=result.detail))
            continue
        fp = fingerprint(result.code, language)
        candidates.append(
            Candidate(
                **drawn,
                code=result.code,
                response=result.completion.text,
                reasoning=result.completion.reasoning,
                fingerprint=fp,
                family=family_fingerprint(result.code, language),
                duplicate_of=first_by_print.get(fp),
            )
        )
        first_by_print.setdefault(fp, cid)
    return CandidateSet(id=task.id, candidates=candidates)
