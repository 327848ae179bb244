"""Sample completions from an OpenAI-compatible chat endpoint (vLLM, SGLang, any `/v1/chat/completions`).

`sample_all` asks for `k` completions per prompt (in requests of at most `n_per_request`, with
`concurrency` requests in flight), retries 429/5xx/network errors with backoff, and hands every
completion to a callback as it arrives, so the caller can persist it and resume later.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

RETRY_STATUS = {408, 409, 425, 429, 500, 502, 503, 504}


class SamplingError(RuntimeError):
    """The endpoint refused or kept failing; the message says what it answered."""


@dataclass
class SamplingConfig:
    base_url: str
    """e.g. http://127.0.0.1:8000/v1 (the part before /chat/completions)"""
    model: str
    api_key: str | None = None
    temperature: float = 0.6
    top_p: float = 0.95
    max_tokens: int = 30720
    n_per_request: int = 8
    """completions asked for in one request (servers without `n` support: 1)"""
    concurrency: int = 32
    timeout_s: float = 3600.0
    max_retries: int = 5
    backoff_s: float = 1.0
    """first retry delay; doubled per retry (capped at 30 s), with jitter"""
    seed: int | None = None
    extra_body: dict[str, Any] = field(default_factory=dict)
    """merged into every request body (e.g. {"top_k": 20} or chat_template_kwargs for vLLM)"""


@dataclass
class Completion:
    key: str
    index: int
    text: str
    finish_reason: str | None
    reasoning_chars: int = 0


@dataclass
class _Job:
    key: str
    messages: list[dict[str, str]]
    indices: list[int]


def _chat_url(base_url: str) -> str:
    base = base_url.rstrip("/")
    if base.endswith("/chat/completions"):
        return base
    return base + "/chat/completions"


async def _request(
    client: httpx.AsyncClient, cfg: SamplingConfig, job: _Job, n: int, seed: int | None
) -> list[dict]:
    body: dict[str, Any] = {
        "model": cfg.model,
        "messages": job.messages,
        "n": n,
        "temperature": cfg.temperature,
        "top_p": cfg.top_p,
        "max_tokens": cfg.max_tokens,
        **cfg.extra_body,
    }
    if seed is not None:
        body["seed"] = seed
    headers = {"Authorization": f"Bearer {cfg.api_key}"} if cfg.api_key else {}
    delay = cfg.backoff_s
    for attempt in range(cfg.max_retries + 1):
        try:
            resp = await client.post(_chat_url(cfg.base_url), json=body, headers=headers)
        except httpx.TransportError as exc:
            if attempt == cfg.max_retries:
                raise SamplingError(f"{cfg.base_url}: {type(exc).__name__}: {exc}") from exc
        else:
            if resp.status_code == 200:
                try:
                    choices = resp.json()["choices"]
                except (ValueError, KeyError, TypeError) as exc:
                    raise SamplingError(f"{cfg.base_url}: answer without choices: {resp.text[:300]}") from exc
                return sorted(choices, key=lambda c: c.get("index", 0))
            if resp.status_code not in RETRY_STATUS or attempt == cfg.max_retries:
                raise SamplingError(f"{cfg.base_url} answered HTTP {resp.status_code}: {resp.text[:500]}")
        await asyncio.sleep(delay * (0.5 + random.random()))
        delay = min(delay * 2, 30.0)
    raise AssertionError("unreachable")


def _completion(job: _Job, index: int, choice: dict) -> Completion:
    message = choice.get("message") or {}
    text = message.get("content") or ""
    reasoning = message.get("reasoning_content") or message.get("reasoning") or ""
    return Completion(
        key=job.key,
        index=index,
        text=text,
        finish_reason=choice.get("finish_reason"),
        reasoning_chars=len(reasoning) if isinstance(reasoning, str) else 0,
    )


async def sample_all_async(
    cfg: SamplingConfig,
    prompts: Sequence[tuple[str, list[dict[str, str]], list[int]]],
    on_completion: Callable[[Completion], None],
) -> int:
    """Sample one completion for each index of each `(key, messages, indices)`.

    `on_completion` is called (in the event-loop thread) for every completion as it arrives.
    Returns the number of completions received. Raises SamplingError when the endpoint fails.
    """
    if cfg.n_per_request < 1 or cfg.concurrency < 1:
        raise ValueError("n_per_request and concurrency must be at least 1")
    jobs: list[_Job] = []
    for key, messages, indices in prompts:
        for start in range(0, len(indices), cfg.n_per_request):
            jobs.append(_Job(key, messages, list(indices[start : start + cfg.n_per_request])))
    sem = asyncio.Semaphore(cfg.concurrency)
    received = 0
    timeout = httpx.Timeout(cfg.timeout_s, connect=30.0)
    limits = httpx.Limits(max_connections=cfg.concurrency, max_keepalive_connections=cfg.concurrency)
    async with httpx.AsyncClient(timeout=timeout, limits=limits) as client:

        async def run(job: _Job) -> None:
            nonlocal received
            async with sem:
                have = 0
                # a server may return fewer choices than asked for: ask again for the rest
                for _ in range(3):
                    want = len(job.indices) - have
                    if want <= 0:
                        break
                    seed = None if cfg.seed is None else cfg.seed + job.indices[have]
                    choices = await _request(client, cfg, job, want, seed)
                    for choice in choices[:want]:
                        on_completion(_completion(job, job.indices[have], choice))
                        have += 1
                        received += 1
                if have < len(job.indices):
                    raise SamplingError(
                        f"{job.key}: the endpoint returned {have} of {len(job.indices)} completions"
                    )

        tasks = [asyncio.create_task(run(job)) for job in jobs]
        try:
            await asyncio.gather(*tasks)
        except BaseException:
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise
    return received


def sample_all(
    cfg: SamplingConfig,
    prompts: Sequence[tuple[str, list[dict[str, str]], list[int]]],
    on_completion: Callable[[Completion], None],
) -> int:
    """Blocking wrapper of `sample_all_async`."""
    return asyncio.run(sample_all_async(cfg, prompts, on_completion))
