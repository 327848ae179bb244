"""Typed requests, completions and the provenance every generated row carries."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SamplingParams(_Strict):
    """Sampling parameters sent with every request; recorded in every row they produced."""

    temperature: float | None = Field(0.7, ge=0, le=2)
    top_p: float | None = Field(0.95, gt=0, le=1)
    max_tokens: int | None = Field(8192, ge=1)
    seed: int | None = Field(0, description="Base seed; a request's seed is base + sample + 1000·attempt.")
    stop: list[str] | None = None
    extra_body: dict[str, Any] = Field(
        default_factory=dict,
        description="Server-specific fields passed through (top_k, min_p, reasoning_effort, chat_template_kwargs…).",
    )

    def for_request(self, sample: int, attempt: int) -> SamplingParams:
        if self.seed is None:
            return self
        return self.model_copy(update={"seed": self.seed + sample + 1000 * attempt})


class EndpointConfig(_Strict):
    """One model behind one OpenAI-compatible endpoint (vLLM, SGLang, a hosted API)."""

    base_url: str = Field(description="e.g. http://gpu-node:8000/v1")
    model: str
    api_key_env: str | None = Field(
        None, description="Environment variable holding the API key (default XCODER_SYNTH_LLM_API_KEY)."
    )
    max_concurrency: int = Field(16, ge=1, le=4096)
    timeout_s: float = Field(600.0, gt=0)
    max_retries: int = Field(4, ge=0, le=20)
    backoff_s: float = Field(1.0, ge=0)
    backoff_max_s: float = Field(60.0, ge=0)
    sampling: SamplingParams = Field(default_factory=SamplingParams)

    @field_validator("base_url")
    @classmethod
    def _http(cls, v: str) -> str:
        if not v.startswith(("http://", "https://")):
            raise ValueError("base_url must start with http:// or https://")
        return v.rstrip("/")


class ChatMessage(_Strict):
    role: Literal["system", "user", "assistant"]
    content: str


class Usage(BaseModel):
    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


class Completion(BaseModel):
    """What the cache stores for one request: the reply and how it was produced."""

    cache_key: str
    model: str = Field(description="Model name as requested.")
    served_model: str | None = Field(None, description="Model name the server reported.")
    text: str
    reasoning: str | None = Field(None, description="Separate reasoning channel, when the server has one.")
    finish_reason: str | None = None
    usage: Usage = Field(default_factory=Usage)
    latency_s: float = 0.0
    cached: bool = Field(False, exclude=True, description="Served from the cache in this process.")


class Provenance(BaseModel):
    """Recorded in every row made from a model reply: model, prompt version, sampling."""

    endpoint: str
    model: str
    prompt_id: str
    prompt_version: str
    sampling: dict[str, Any]
    sample: int = 0
    attempt: int = 0
    cache_key: str
    usage: Usage = Field(default_factory=Usage)
    finish_reason: str | None = None
