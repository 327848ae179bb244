"""OpenRLHF rewards backed by the X-Coder judge: the scoring behind `reward_func.py` and the remote RM.

OpenRLHF (0.11) sends, for each finished rollout, `query` (the decoded prompt + response, special
tokens kept), `prompts` (the prompt as given to the model) and `labels` (the dataset's
`--label_key` column), either to `reward_func(queries, prompts, labels)` in a file
(`--remote_rm_url path/to/reward_func.py`) or as JSON `{"query", "prompts", "labels"}` to a URL
(`--remote_rm_url http://host:port/get_reward`), and reads back `rewards` (the advantage input),
`scores` (0-1, for `--dynamic_filtering`) and `extra_logs` (logged per sample).

- The response is the query with its prompt removed (the prompt may itself hold code blocks:
  an answer without code must never be judged on the statement's example). A query that does
  not contain its prompt is refused.
- A label is the task's tests in any format `xcoder_client.testcases` reads, or a JSON object
  `{"tests": ..., "task_id"?, "checker"?, "language"?}` (a SynthSmith or verl row's pieces); its
  checker and language are found as everywhere else (`task_checker`, `task_language`).
- `rewards` follow `reward` (binary | fraction | xcoder); `scores` are the fraction of tests
  passed, whatever the shape.
- Concurrent calls in one process (OpenRLHF calls `reward_func` from a thread per rollout; the
  server gets a request per rollout) are coalesced into batch judge calls on one background loop.
- A rollout the judge could not judge raises `JudgeUnavailable`: OpenRLHF then leaves that
  sample without a reward rather than training on an invented one.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import Field
from xcoder_wire.schemas import Submission, SubmissionResult

from xcoder_client._loop_thread import run_blocking
from xcoder_client.async_client import AsyncJudgeClient
from xcoder_client.checkers import task_checker
from xcoder_client.coalesce import BatchCoalescer, shared_coalescer
from xcoder_client.errors import JudgeUnavailable, TestFormatError
from xcoder_client.reward import (
    RewardConfig,
    RewardOutcome,
    RolloutPlan,
    plan_rollout,
    score_rollout,
    task_language,
)
from xcoder_client.reward_options import RewardOptions
from xcoder_client.settings import get_settings

__all__ = ["EXTRA_LOG_KEYS", "OpenRLHFRewardOptions", "label_row", "response_of", "score_queries"]

EXTRA_LOG_KEYS = ("acc", "pass_rate", "format_ok", "compile_error", "judge_error", "checker_error")


class OpenRLHFRewardOptions(RewardOptions):
    """Options of the reward (XCODER_CLIENT_* for reward_func.py; flags for `serve-reward`)."""

    judge_url: str | None = None
    api_key: str | None = None
    max_concurrency: int | None = Field(None, ge=1)


def label_row(label: Any) -> dict[str, Any]:
    """A label as a row: a JSON object (text decoded, even twice) as it is, anything else as its tests."""
    value = label
    for _ in range(2):
        if not isinstance(value, str | bytes):
            break
        try:
            value = json.loads(value)
        except json.JSONDecodeError as exc:
            raise TestFormatError(f"label: not JSON ({exc.msg} at position {exc.pos})") from exc
    if isinstance(value, Mapping):
        return dict(value)
    return {"tests": value}


def response_of(query: str, prompt: str | None) -> str:
    """The model's response: `query` after its prompt. Refuses a query that lacks the prompt."""
    if not prompt:
        return query
    if query.startswith(prompt):
        return query[len(prompt) :]
    at = query.rfind(prompt)
    if at < 0:
        raise TestFormatError(
            "query does not contain its prompt: cannot tell the response apart from the task "
            "statement (does the tokenizer round-trip the prompt?)"
        )
    return query[at + len(prompt) :]


def _plan(query: str, prompt: str | None, label: Any, config: RewardConfig) -> RolloutPlan:
    row = label_row(label)
    return plan_rollout(
        response_of(query, prompt),
        row,
        config,
        task_id=row.get("task_id"),
        checker=task_checker(row),
        language=task_language(row),
    )


def _coalescer(options: OpenRLHFRewardOptions) -> BatchCoalescer:
    settings = get_settings()
    key = ("openrlhf", options.judge_url, options.api_key, options.max_concurrency, settings)

    def make() -> BatchCoalescer:
        client = AsyncJudgeClient(
            options.judge_url,
            api_key=options.api_key,
            max_concurrency=options.max_concurrency,
            settings=settings,
        )
        return BatchCoalescer(client)

    return shared_coalescer(key, make)


async def _judge(submissions: list[Submission], options: OpenRLHFRewardOptions) -> list[SubmissionResult]:
    return await _coalescer(options).judge(submissions)


def score_queries(
    queries: Sequence[str],
    prompts: Sequence[str] | None,
    labels: Sequence[Any] | None,
    options: OpenRLHFRewardOptions,
) -> dict[str, Any]:
    """`{"rewards": [...], "scores": [...], "extra_logs": {key: [...]}}` for one OpenRLHF call.

    Blocking (call from any thread). Raises TestFormatError for a bad label or query,
    JudgeUnavailable when the judge could not judge a rollout, ValueError on mismatched lengths.
    """
    n = len(queries)
    prompts = list(prompts) if prompts is not None else [None] * n
    labels = list(labels) if labels is not None else [None] * n
    if len(prompts) != n or len(labels) != n:
        raise ValueError(f"query, prompts and labels differ in length ({n}, {len(prompts)}, {len(labels)})")
    if any(label is None or label == "" for label in labels):
        raise TestFormatError("every query needs a label holding its tests (set --label_key)")
    config = options.reward_config()
    plans = [_plan(q, p, lab, config) for q, p, lab in zip(queries, prompts, labels, strict=True)]
    judged = [i for i, plan in enumerate(plans) if plan.submission is not None]
    results: dict[int, SubmissionResult] = {}
    if judged:
        answers = run_blocking(_judge([plans[i].submission for i in judged], options))  # type: ignore[misc]
        results = dict(zip(judged, answers, strict=True))
    outcomes: list[RewardOutcome] = [
        score_rollout(plan, results.get(i), config.shape, checker_error_score=config.checker_error_score)
        for i, plan in enumerate(plans)
    ]
    if any(o.score is None for o in outcomes):
        raise JudgeUnavailable("the judge could not judge a rollout; refusing to score it")
    diagnostics = [o.diagnostics() for o in outcomes]
    return {
        "rewards": [float(o.score) for o in outcomes],  # type: ignore[arg-type]
        "scores": [d["pass_rate"] for d in diagnostics],
        "extra_logs": {key: [d[key] for d in diagnostics] for key in EXTRA_LOG_KEYS},
    }
