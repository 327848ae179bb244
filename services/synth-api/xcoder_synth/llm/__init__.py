"""LLM access: one OpenAI-compatible client per endpoint, a content-addressed response cache,
and parsing of structured replies that fails closed."""

from xcoder_synth.llm.cache import ResponseCache
from xcoder_synth.llm.client import LLMClient, LLMPool
from xcoder_synth.llm.models import (
    ChatMessage,
    Completion,
    EndpointConfig,
    Provenance,
    SamplingParams,
    Usage,
)
from xcoder_synth.llm.structured import ParseFailure, Reply, ask, ask_code

__all__ = [
    "ChatMessage",
    "Completion",
    "EndpointConfig",
    "LLMClient",
    "LLMPool",
    "ParseFailure",
    "Provenance",
    "Reply",
    "ResponseCache",
    "SamplingParams",
    "Usage",
    "ask",
    "ask_code",
]
