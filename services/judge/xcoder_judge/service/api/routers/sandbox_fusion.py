"""SandboxFusion-compatible endpoints: `POST /run_code` (verl's caller) and `GET /v1/ping`."""

from __future__ import annotations

import os

from fastapi import APIRouter
from xcoder_wire.schemas import JobStatus, SubmissionResult

from xcoder_judge.service.api.deps import JudgingDep, SettingsDep
from xcoder_judge.service.api.errors import FieldError
from xcoder_judge.service.api.strict_json import StrictJSONRoute
from xcoder_judge.service.compat import sandbox_fusion as sf

router = APIRouter(tags=["compat: SandboxFusion"], route_class=StrictJSONRoute)
# Liveness answers without an API key, like /healthz (load balancers probe it).
open_router = APIRouter(tags=["compat: SandboxFusion"])


@router.post("/run_code", response_model=sf.RunCodeResponse, summary="Run a program once (SandboxFusion)")
async def run_code(
    request: sf.RunCodeRequest, judging: JudgingDep, settings: SettingsDep
) -> sf.RunCodeResponse:
    try:
        submission = sf.to_submission(request)
    except sf.CompatError as exc:
        raise FieldError(["body", exc.field], str(exc), kind="unsupported") from None
    [state] = await judging.submit([submission], wait_s=settings.compat_wait_s)
    if state.status is not JobStatus.done or state.result_json is None:
        return sf.sandbox_error(
            f"no verdict within {settings.compat_wait_s:g} s (the judge is overloaded); retry"
        )
    response = sf.to_response(SubmissionResult.model_validate_json(state.result_json))
    response.executor_pod_name = os.environ.get("MY_POD_NAME")
    return response


@open_router.get("/v1/ping", summary="Liveness, as SandboxFusion answers it")
async def ping() -> str:
    return "pong"
