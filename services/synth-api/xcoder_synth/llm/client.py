"""One OpenAI-compatible chat endpoint: bounded concurrency, timeouts, retries with backoff,
token accounting, and the response cache in front of it."""

from __future__ import annotations

import asyncio
import logging
import random
import time
from dataclasses import dataclass, field
from typing import Any

import openai

from xcoder_synth.errors import ConfigError, LLMError, LLMRequestError
from xcoder_synth.llm.cache import ResponseCache, cache_key
from xcoder_synth.llm.models import ChatMessage, Completion, EndpointConfig, SamplingParams, Usage
from xcoder_synth.meters import LatencyHistogram
from xcoder_synth.settings import secret_from_env

log = logging.getLogger(__name__)

DEFAULT_API_KEY_ENV = "XCODER_SYNTH_LLM_API_KEY"
# Headers that name the prompt and sample; servers ignore them, proxies and the replay server use them.
HEADER_PROMPT = "X-XCoder-Prompt"
HEADER_SAMPLE = "X-XCoder-Sample"
HEADER_ATTEMPT = "X-XCoder-Attempt"


@dataclass
class UsageMeter:
    """Token and request accounting for one endpoint (cache hits counted apart)."""

    requests: int = 0
    cached: int = 0
    retries: int = 0
    failures: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_prompt_tokens: int = 0
    cached_completion_tokens: int = 0

    def add(self, usage: Usage, *, cached: bool) -> None:
        if cached:
            self.cached += 1
            self.cached_prompt_tokens += usage.prompt_tokens
            self.cached_completion_tokens += usage.completion_tokens
        else:
            self.requests += 1
            self.prompt_tokens += usage.prompt_tokens
            self.completion_tokens += usage.completion_tokens

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


def _retry_after_s(exc: Exception) -> float | None:
    response = getattr(exc, "response", None)
    if response is None:
        return None
    value = response.headers.get("retry-after")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _is_retryable(exc: Exception) -> bool:
    if isinstance(exc, (openai.APITimeoutError, openai.APIConnectionError)):
        return True
    if isinstance(exc, openai.APIStatusError):
        return exc.status_code == 429 or exc.status_code >= 500 or exc.status_code == 408
    return False


class LLMClient:
    """Chat completions from one endpoint, through the cache."""

    def __init__(self, name: str, config: EndpointConfig, cache: ResponseCache) -> None:
        self.name = name
        self.config = config
        self.cache = cache
        self.meter = UsageMeter()
        self.latency = LatencyHistogram()  # answered requests (cache hits take no time)
        self._sem = asyncio.Semaphore(config.max_concurrency)
        key_env = config.api_key_env or DEFAULT_API_KEY_ENV
        api_key = secret_from_env(key_env)
        if config.api_key_env and not api_key:
            raise ConfigError(f"endpoint {name!r}: environment variable {key_env} is not set")
        self._client = openai.AsyncOpenAI(
            base_url=config.base_url,
            api_key=api_key or "unused",
            timeout=config.timeout_s,
            max_retries=0,  # retries are ours: counted, logged and bounded
        )

    async def close(self) -> None:
        await self._client.close()

    def sampling(self, override: SamplingParams | None = None) -> SamplingParams:
        return override or self.config.sampling

    async def complete(
        self,
        messages: list[ChatMessage],
        *,
        prompt_id: str,
        sample: int = 0,
        attempt: int = 0,
        sampling: SamplingParams | None = None,
    ) -> Completion:
        """Return the cached reply for this request, or ask the endpoint and cache its reply."""
        params = self.sampling(sampling).for_request(sample, attempt)
        key = cache_key(
            model=self.config.model, messages=messages, sampling=params, sample=sample, attempt=attempt
        )
        hit = self.cache.get(key)
        if hit is not None:
            self.meter.add(hit.usage, cached=True)
            return hit
        async with self._sem:
            completion = await self._request_with_retries(messages, params, key, prompt_id, sample, attempt)
        self.latency.observe(completion.latency_s)
        self.cache.put(completion)
        self.meter.add(completion.usage, cached=False)
        return completion

    async def _request_with_retries(
        self,
        messages: list[ChatMessage],
        params: SamplingParams,
        key: str,
        prompt_id: str,
        sample: int,
        attempt: int,
    ) -> Completion:
        cfg = self.config
        for retry in range(cfg.max_retries + 1):
            try:
                return await self._request(messages, params, key, prompt_id, sample, attempt)
            except Exception as exc:
                if not _is_retryable(exc):
                    self.meter.failures += 1
                    if isinstance(exc, openai.APIStatusError):
                        raise LLMRequestError(
                            f"endpoint {self.name!r} refused the request: HTTP {exc.status_code}: {exc.message}"
                        ) from exc
                    raise
                if retry == cfg.max_retries:
                    self.meter.failures += 1
                    raise LLMError(
                        f"endpoint {self.name!r} ({cfg.base_url}) failed after {retry + 1} attempts: {exc}"
                    ) from exc
                delay = min(cfg.backoff_max_s, cfg.backoff_s * 2**retry) * random.uniform(0.5, 1.0)
                delay = max(delay, _retry_after_s(exc) or 0.0)
                self.meter.retries += 1
                log.warning("endpoint %s: %s; retry %d in %.1fs", self.name, exc, retry + 1, delay)
                await asyncio.sleep(delay)
        raise AssertionError("unreachable")

    async def _request(
        self,
        messages: list[ChatMessage],
        params: SamplingParams,
        key: str,
        prompt_id: str,
        sample: int,
        attempt: int,
    ) -> Completion:
        kwargs: dict[str, Any] = {
            "model": self.config.model,
            "messages": [m.model_dump() for m in messages],
        }
        for name in ("temperature", "top_p", "max_tokens", "seed", "stop"):
            value = getattr(params, name)
            if value is not None:
                kwargs[name] = value
        if params.extra_body:
            kwargs["extra_body"] = params.extra_body
        headers = {HEADER_PROMPT: prompt_id, HEADER_SAMPLE: str(sample), HEADER_ATTEMPT: str(attempt)}
        started = time.monotonic()
        resp = await self._client.chat.completions.create(extra_headers=headers, **kwargs)
        latency = time.monotonic() - started
        if not resp.choices:
            raise LLMError(f"endpoint {self.name!r} returned no choices")
        choice = resp.choices[0]
        message = choice.message
        reasoning = getattr(message, "reasoning_content", None) or getattr(message, "reasoning", None)
        usage = Usage(
            prompt_tokens=getattr(resp.usage, "prompt_tokens", 0) or 0,
            completion_tokens=getattr(resp.usage, "completion_tokens", 0) or 0,
        )
        return Completion(
            cache_key=key,
            model=self.config.model,
            served_model=resp.model,
            text=message.content or "",
            reasoning=reasoning if isinstance(reasoning, str) else None,
            finish_reason=choice.finish_reason,
            usage=usage,
            latency_s=round(latency, 3),
        )


@dataclass
class LLMPool:
    """The clients of one process, by endpoint name; built inside the running event loop."""

    endpoints: dict[str, EndpointConfig]
    cache: ResponseCache
    _clients: dict[str, LLMClient] = field(default_factory=dict)

    def get(self, name: str) -> LLMClient:
        if name not in self._clients:
            if name not in self.endpoints:
                known = ", ".join(sorted(self.endpoints)) or "none"
                raise ConfigError(f"unknown LLM endpoint {name!r} (configured: {known})")
            self._clients[name] = LLMClient(name, self.endpoints[name], self.cache)
        return self._clients[name]

    def usage(self) -> dict[str, dict[str, int]]:
        return {name: c.meter.as_dict() for name, c in self._clients.items()}

    def latency(self) -> dict[str, dict[str, Any]]:
        return {name: c.latency.as_dict() for name, c in self._clients.items()}

    async def aclose(self) -> None:
        for client in self._clients.values():
            await client.close()
        self._clients.clear()
