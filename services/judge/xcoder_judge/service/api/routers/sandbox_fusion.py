"""SandboxFusion-compatible endpoints: `POST /run_code` (verl's caller) and `GET /v1/ping`."""

from __future__ import annotations

import os

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse, Response

from xcoder_judge.service.api.auth import SUBMIT, access
from xcoder_judge.service.api.deps import JudgingDep, SettingsDep
from xcoder_judge.service.api.errors import FieldError
from xcoder_judge.service.api.strict_json import StrictJSONRoute
from xcoder_judge.service.compat import sandbox_fusion as sf
from xcoder_judge.service.queue.enqueue import QueueFull

router = APIRouter(
    tags=["compat: SandboxFusion"],
    route_class=StrictJSONRoute,
    dependencies=[Depends(access(SUBMIT, compat=True))],
)
# Liveness answers without an API key, like /healthz (load balancers probe it).
open_router = APIRouter(tags=["compat: SandboxFusion"], dependencies=[Depends(access(frozenset()))])


GATEWAY_TIMEOUT_RETRY_AFTER_S = 1
_POD_NAME = os.environ.get("MY_POD_NAME")  # read once, not per request


def _not_yet(wait_s: float, why: str) -> JSONResponse:
    return JSONResponse(
        {"detail": f"{why} within {wait_s:g} s; retry the same request to keep waiting for it"},
        status_code=504,
        headers={"Retry-After": str(GATEWAY_TIMEOUT_RETRY_AFTER_S)},
    )


@router.post(
    "/run_code",
    response_model=sf.RunCodeResponse,
    responses={
        400: {"description": "A field this judge cannot honour (`files`, `fetch_files`, a language); named."},
        401: {"description": "API keys are configured and the request has none or a wrong one."},
        403: {"description": "The key's roles do not include submit."},
        422: {"description": "A field out of range or not valid JSON; `detail[].loc` names it."},
        504: {
            "description": "Overloaded: no room in the queue, or no verdict, before the caller's HTTP "
            "timeout. verl retries 504 (only 504); the retry waits for the same job."
        },
    },
    summary="Run a program once (SandboxFusion)",
)
async def run_code(request: sf.RunCodeRequest, judging: JudgingDep, settings: SettingsDep) -> Response:
    try:
        submission = sf.to_submission(request)
    except sf.CompatError as exc:
        raise FieldError(["body", exc.field], str(exc), kind="unsupported") from None
    wait_s = sf.caller_wait_s(request, settings.compat_wait_s)
    try:
        result = await judging.judge_one(submission, wait_s=wait_s)
    except QueueFull:
        return _not_yet(wait_s, "no room in the judge's queue")
    if result is None:
        return _not_yet(wait_s, "no verdict")
    response = sf.to_response(result)
    response.executor_pod_name = _POD_NAME
    # Encoded once here: the service built this model itself, so FastAPI need not validate it again.
    return Response(response.model_dump_json(), media_type="application/json")


@open_router.get("/v1/ping", summary="Liveness, as SandboxFusion answers it")
async def ping() -> str:
    return "pong"
