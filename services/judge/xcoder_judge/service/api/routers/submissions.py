"""Native submissions API (`/v1/submissions`): submit one or a batch, wait or poll, look up."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Response
from xcoder_wire.schemas import (
    MAX_ID_LENGTH,
    MAX_WAIT_S,
    BatchRequest,
    BatchResponse,
    JobStatus,
    LookupRequest,
    Submission,
    SubmissionEnvelope,
    SubmissionResult,
)

from xcoder_judge.service.api.auth import READ, SUBMIT, access
from xcoder_judge.service.api.deps import JudgingDep
from xcoder_judge.service.api.errors import FieldError
from xcoder_judge.service.api.judging import batch_loc
from xcoder_judge.service.api.strict_json import StrictJSONRoute
from xcoder_judge.service.queue.state import JobState

router = APIRouter(prefix="/v1/submissions", tags=["submissions"], route_class=StrictJSONRoute)

_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {
        "description": "Unknown language, or a test kind the language cannot run; `detail[].loc` names the field."
    },
    401: {"description": "API keys are configured and the request has none or a wrong one."},
    403: {"description": "The key's roles do not allow this route (submit, or read for lookups)."},
    409: {"description": "A client id is already used by a different submission of this tenant."},
    422: {
        "description": "Malformed request (`detail[].loc` names the field); or, when waiting for one "
        "submission, the judge refused it as sent (`type` submission_rejected: its checker or "
        "interactor does not compile; `ctx.compiler_output` has the compiler's output). A retry "
        "cannot help."
    },
    413: {"description": "Body larger than XCODER_JUDGE_MAX_BODY_MB, or a batch larger than the queue."},
    429: {"description": "The queue is full; `Retry-After` says when to come back. Nothing was enqueued."},
    503: {"description": "Redis is unreachable; retry shortly."},
}

SubmitWait = Annotated[
    float, Query(ge=0, le=MAX_WAIT_S, description="Seconds to wait for verdicts; 0 only enqueues.")
]
PollWait = Annotated[float, Query(ge=0, le=MAX_WAIT_S, description="Seconds to wait for the verdict.")]
SubmissionId = Annotated[str, Path(max_length=MAX_ID_LENGTH, pattern=r"^[A-Za-z0-9._:\-]+$")]


def _json(body: str, done: bool) -> Response:
    return Response(content=body, media_type="application/json", status_code=200 if done else 202)


def _batch(states: Sequence[JobState]) -> Response:
    body = '{"items":[' + ",".join(s.envelope_json() for s in states) + "]}"
    return _json(body, all(s.status.terminal for s in states))


def _refused(state: JobState) -> FieldError:
    """A 422 for a submission the judge refused as sent, naming the field at fault."""
    result = SubmissionResult.model_validate_json(state.result_json or "{}")
    rejection = result.rejection
    assert rejection is not None  # status rejected means the result carries one
    error = FieldError(["body", rejection.field], rejection.message, kind="submission_rejected", status=422)
    error.errors[0]["ctx"] = {"compiler_output": rejection.compiler_output, "id": state.submission_id}
    return error


@router.post(
    "",
    dependencies=[Depends(access(SUBMIT))],
    response_model=SubmissionEnvelope,
    responses={
        202: {"model": SubmissionEnvelope, "description": "Not done within `wait`; poll its id."},
        **_ERRORS,
    },
    summary="Judge one submission",
)
async def submit(submission: Submission, judging: JudgingDep, wait: SubmitWait = 60.0) -> Response:
    [state] = await judging.submit([submission], wait_s=wait)
    if state.status is JobStatus.rejected:
        raise _refused(state)  # the caller waited for a verdict that will never come
    return _json(state.envelope_json(), state.status.terminal)


@router.post(
    "/batch",
    dependencies=[Depends(access(SUBMIT))],
    response_model=BatchResponse,
    responses={202: {"model": BatchResponse, "description": "Not all done within `wait`."}, **_ERRORS},
    summary="Judge a batch of submissions (items in request order)",
)
async def submit_batch(batch: BatchRequest, judging: JudgingDep, wait: SubmitWait = 60.0) -> Response:
    return _batch(await judging.submit(batch.submissions, wait_s=wait, loc=batch_loc))


@router.post(
    "/lookup",
    dependencies=[Depends(access(READ))],
    response_model=BatchResponse,
    responses={
        202: {"model": BatchResponse, "description": "Not all done within `wait`."},
        404: {"description": "Unknown or expired ids, or another tenant's (named)."},
        **_ERRORS,
    },
    summary="States of several submissions, in request order",
)
async def lookup(request: LookupRequest, judging: JudgingDep) -> Response:
    return _batch(await judging.lookup(request.ids, wait_s=request.wait))


@router.get(
    "/{submission_id}",
    dependencies=[Depends(access(READ))],
    response_model=SubmissionEnvelope,
    responses={
        202: {"model": SubmissionEnvelope, "description": "Not done within `wait`."},
        404: {"description": "Unknown or expired id, or another tenant's."},
        **_ERRORS,
    },
    summary="State (and result) of one submission",
)
async def get_submission(submission_id: SubmissionId, judging: JudgingDep, wait: PollWait = 0.0) -> Response:
    [state] = await judging.lookup([submission_id], wait_s=wait)
    return _json(state.envelope_json(), state.status.terminal)
