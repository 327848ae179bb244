"""code-judge-compatible endpoints (X-Coder's reward server): judge/run, single and batches."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from pydantic import BaseModel
from xcoder_wire.schemas import JobStatus, Priority, SubmissionResult

from xcoder_judge.config import Settings
from xcoder_judge.service.api.auth import OPERATOR, SUBMIT, access
from xcoder_judge.service.api.coalesce import member_result, merge_same_program
from xcoder_judge.service.api.deps import JudgingDep, RedisDep, SettingsDep
from xcoder_judge.service.api.judging import Judging
from xcoder_judge.service.api.strict_json import StrictJSONRoute
from xcoder_judge.service.compat import code_judge as cj
from xcoder_judge.service.queue.enqueue import QueueFull
from xcoder_judge.service.queue.overview import read_overview
from xcoder_judge.service.queue.state import JobState

router = APIRouter(tags=["compat: code-judge"], route_class=StrictJSONRoute)
_judging = [Depends(access(SUBMIT, compat=True))]
# Liveness answers without an API key, like /healthz (code-judge's compose file probes it).
open_router = APIRouter(tags=["compat: code-judge"], dependencies=[Depends(access(frozenset()))])


class ServerStatus(BaseModel):
    queue: int
    num_workers: int


async def _judge(
    subs: Sequence[cj.CJSubmission],
    judging: Judging,
    settings: Settings,
    *,
    with_output: bool,
    priority: Priority,
) -> list[cj.RunResult]:
    """Results in request order; programs that need no run are answered without one."""
    ids = [cj.sub_id_of(s.sub_id) for s in subs]
    results: list[cj.RunResult | None] = [cj.precheck(s, sid) for s, sid in zip(subs, ids, strict=True)]
    todo = [i for i, r in enumerate(results) if r is None]
    if todo:
        submissions = [
            cj.to_submission(
                subs[i],
                time_s=settings.compat_time_s,
                memory_mb=settings.compat_memory_mb,
                with_output=with_output,
                priority=priority,
            )
            for i in todo
        ]
        loc_of = {n: ["body", "submissions", i] if len(subs) > 1 else ["body"] for n, i in enumerate(todo)}
        if len(subs) == 1:  # /judge, /run: one test, which the coalescer may merge with others
            try:
                one = await judging.judge_one(submissions[0], wait_s=settings.compat_wait_s)
            except QueueFull:
                one = None  # code-judge's `queue_timeout`, as below
            results[0] = cj.to_result(one, ids[0])
        else:
            # A rollout's items share its program: one job per program, not one per item.
            merged = merge_same_program(submissions, judging.tenant, max_tests=settings.coalesce_max_tests)
            first_item = {at: n for n, (at, _) in reversed(list(enumerate(merged.place)))}
            try:
                states = await judging.submit(
                    merged.submissions,
                    wait_s=settings.compat_wait_s,
                    loc=lambda m: loc_of[first_item[m]],
                    wait_for_room=True,
                )
            except QueueFull:
                # No room within the wait: code-judge's `queue_timeout`, which its callers retry
                # (X-Coder's judge_client reads it as a judge error, never as a failed test).
                states = [JobState(sub.id or "", JobStatus.queued, None) for sub in merged.submissions]
            parsed: list[SubmissionResult | None] = [
                SubmissionResult.model_validate_json(state.result_json)
                if state.status is JobStatus.done and state.result_json is not None
                else None
                for state in states
            ]
            for i, (at, index) in zip(todo, merged.place, strict=True):
                group = parsed[at]
                if group is not None and len(merged.submissions[at].tests) > 1:
                    group = member_result(group, index, "")
                results[i] = cj.to_result(group, ids[i])
    final = [r for r in results if r is not None]
    if not with_output:
        for r in final:
            r.stdout = r.stderr = None
    return final


@router.post(
    "/judge",
    dependencies=_judging,
    response_model=cj.JudgeResult,
    summary="Judge one submission (code-judge)",
)
async def judge(sub: cj.CJSubmission, judging: JudgingDep, settings: SettingsDep) -> Response:
    [r] = await _judge([sub], judging, settings, with_output=False, priority=Priority.interactive)
    # Encoded once: the service built `r` itself, so FastAPI need not validate it again.
    return Response(r.model_dump_json(exclude={"stdout", "stderr"}), media_type="application/json")


@router.post(
    "/run",
    dependencies=_judging,
    response_model=cj.RunResult,
    summary="Run one submission, with its output (code-judge)",
)
async def run(sub: cj.CJSubmission, judging: JudgingDep, settings: SettingsDep) -> Response:
    [r] = await _judge([sub], judging, settings, with_output=True, priority=Priority.interactive)
    return Response(r.model_dump_json(), media_type="application/json")


async def _judge_batch(
    batch: cj.CJBatchSubmission, judging: Judging, settings: Settings
) -> cj.BatchJudgeResult:
    results = await _judge(batch.submissions, judging, settings, with_output=False, priority=Priority.bulk)
    return cj.BatchJudgeResult(
        sub_id=cj.sub_id_of(batch.sub_id),
        results=[cj.JudgeResult.model_validate(r.model_dump(exclude={"stdout", "stderr"})) for r in results],
    )


async def _run_batch(batch: cj.CJBatchSubmission, judging: Judging, settings: Settings) -> cj.BatchRunResult:
    results = await _judge(batch.submissions, judging, settings, with_output=True, priority=Priority.bulk)
    return cj.BatchRunResult(sub_id=cj.sub_id_of(batch.sub_id), results=results)


@router.post(
    "/judge/batch",
    dependencies=_judging,
    response_model=cj.BatchJudgeResult,
    summary="Judge a batch (code-judge)",
)
async def judge_batch(
    batch: cj.CJBatchSubmission, judging: JudgingDep, settings: SettingsDep
) -> cj.BatchJudgeResult:
    return await _judge_batch(batch, judging, settings)


@router.post(
    "/judge/long-batch",
    dependencies=_judging,
    response_model=cj.BatchJudgeResult,
    summary="Judge a long batch (code-judge; X-Coder's trainer)",
)
async def judge_long_batch(
    batch: cj.CJBatchSubmission, judging: JudgingDep, settings: SettingsDep
) -> cj.BatchJudgeResult:
    return await _judge_batch(batch, judging, settings)


@router.post(
    "/run/batch",
    dependencies=_judging,
    response_model=cj.BatchRunResult,
    summary="Run a batch, with outputs (code-judge)",
)
async def run_batch(
    batch: cj.CJBatchSubmission, judging: JudgingDep, settings: SettingsDep
) -> cj.BatchRunResult:
    return await _run_batch(batch, judging, settings)


@router.post(
    "/run/long-batch",
    dependencies=_judging,
    response_model=cj.BatchRunResult,
    summary="Run a long batch, with outputs (code-judge)",
)
async def run_long_batch(
    batch: cj.CJBatchSubmission, judging: JudgingDep, settings: SettingsDep
) -> cj.BatchRunResult:
    return await _run_batch(batch, judging, settings)


@open_router.get("/ping", summary="Liveness, as code-judge answers it")
async def ping() -> str:
    return "pong"


@router.get(
    "/status",
    response_model=ServerStatus,
    # code-judge clients poll it before sending work: a submit key may read it, as an operator may.
    dependencies=[Depends(access(SUBMIT | OPERATOR, compat=True))],
    summary="Queued submissions and parallel capacity (code-judge)",
)
async def status(redis: RedisDep) -> ServerStatus:
    ov = await read_overview(redis)
    return ServerStatus(queue=sum(ov.queued.values()), num_workers=ov.slots_total)
