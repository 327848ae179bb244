"""Single-stage requests: dual verification of one task against given candidates and inputs."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator
from xcoder_client.extract import extract_code

from xcoder_synth.ids import stable_id
from xcoder_synth.judge_gateway import JudgeGateway
from xcoder_synth.llm.models import Provenance
from xcoder_synth.settings import Settings, get_settings
from xcoder_synth.solutions.fingerprint import family_fingerprint, fence_language, language_id
from xcoder_synth.solutions.sample import Candidate, CandidateSet
from xcoder_synth.solutions.syntax import fingerprint, syntax_problem
from xcoder_synth.tasks.models import CheckerSpec, EntryPoint, TaskRecord
from xcoder_synth.testgen.models import InputSet, InputSource, TestInput
from xcoder_synth.verify.config import VerifyConfig
from xcoder_synth.verify.dual import verify_task
from xcoder_synth.verify.records import VerifiedTask

_API_PROVENANCE = Provenance(
    endpoint="api", model="given", prompt_id="api", prompt_version="0", sampling={}, cache_key=""
)


class TaskSpec(BaseModel):
    id: str | None = Field(None, pattern=r"^[A-Za-z0-9._-]{1,64}$")
    io: Literal["stdio", "call"] = "stdio"
    entry_point: EntryPoint | None = Field(None, description="Required for call tasks.")
    checker: CheckerSpec = Field(default_factory=CheckerSpec)
    statement: str = ""

    @model_validator(mode="after")
    def _entry(self) -> TaskSpec:
        if self.io == "call" and self.entry_point is None:
            raise ValueError("call tasks need entry_point")
        return self


class CandidateIn(BaseModel):
    code: str | None = Field(
        None, description="Program source; or give `response` and the code is extracted."
    )
    response: str | None = None
    language: str | None = Field(
        None,
        description="Judge language id or alias (cpp17, c++, java, pypy3, …); default: the fence tag of "
        "`response`, else Python 3.",
    )

    @model_validator(mode="after")
    def _one(self) -> CandidateIn:
        if not (self.code or self.response):
            raise ValueError("give code or response")
        if self.language is not None:
            self.language = language_id(self.language)
        return self


class InputIn(BaseModel):
    data: str = Field(description="stdin text, or the JSON array of arguments for call tasks.")
    source: InputSource = "prompted"
    stated_output: str | None = None


class VerifyRequest(BaseModel):
    task: TaskSpec
    candidates: list[CandidateIn] = Field(min_length=1, max_length=256)
    inputs: list[InputIn] = Field(min_length=1, max_length=2000)
    config: VerifyConfig = Field(default_factory=VerifyConfig)


def _task(spec: TaskSpec) -> TaskRecord:
    tid = spec.id or stable_id("api-task", spec.model_dump(mode="json"))
    return TaskRecord(
        id=tid,
        config_id="api",
        style="leetcode" if spec.io == "call" else "codeforces",
        io=spec.io,
        title=tid,
        statement=spec.statement,
        legend=spec.statement,
        constraints=[],
        entry_point=spec.entry_point,
        checker=spec.checker,
        features=[],
        integration_strategy="",
        scenario="",
        provenance={},
    )


def _candidates(task: TaskRecord, given: list[CandidateIn]) -> CandidateSet:
    out: list[Candidate] = []
    first: dict[str, str] = {}
    for i, c in enumerate(given):
        code = c.code
        language = c.language or (fence_language(c.response) if c.response and code is None else "python3")
        reason = detail = None
        if code is None:
            ext = extract_code(c.response or "", language)
            code = ext.code
            if code is None:
                reason, detail = f"extract_{ext.status.value}", ""
        if code is not None:
            problem = syntax_problem(code, fn_name=task.fn_name, language=language)
            if problem:
                reason, detail = problem.split(":", 1)[0], problem
        parts: list[object] = [task.id, i, code] + ([language] if language != "python3" else [])
        cid = stable_id("api-candidate", *parts)
        fp = fingerprint(code, language) if code is not None and reason is None else None
        out.append(
            Candidate(
                id=cid,
                task_id=task.id,
                index=i,
                endpoint="api",
                sample=i,
                language=language,
                code=code if reason is None else None,
                response=c.response,
                fingerprint=fp,
                family=family_fingerprint(code, language) if fp and code is not None else None,
                duplicate_of=first.get(fp) if fp else None,
                reject_reason=reason,
                reject_detail=detail,
                provenance=_API_PROVENANCE,
            )
        )
        if fp:
            first.setdefault(fp, cid)
    return CandidateSet(id=task.id, candidates=out)


async def verify_request(req: VerifyRequest, gateway: JudgeGateway) -> dict[str, Any]:
    task = _task(req.task)
    inputs = InputSet(
        id=task.id,
        inputs=[TestInput.make(task.id, i.source, i.data, stated_output=i.stated_output) for i in req.inputs],
    )
    # Identical inputs would be voted on twice; keep the first.
    seen: set[str] = set()
    inputs.inputs = [ti for ti in inputs.inputs if not (ti.id in seen or seen.add(ti.id))]
    result = await verify_task(gateway, task, _candidates(task, req.candidates), inputs, req.config)
    if isinstance(result, VerifiedTask):
        return {"status": "verified", "result": result.model_dump(mode="json")}
    return {"status": "dropped", "result": result.model_dump(mode="json")}


async def run_verify_request(payload: dict[str, Any], settings: Settings | None = None) -> dict[str, Any]:
    settings = settings or get_settings()
    req = VerifyRequest.model_validate(payload)
    gateway = JudgeGateway(url=settings.judge_url, api_key=settings.judge_api_key)
    try:
        return await verify_request(req, gateway)
    finally:
        await gateway.aclose()
