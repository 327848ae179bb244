"""Ask for a structured reply, validate it, retry a bounded number of times, fail closed.

Each retry is a new cache entry (``attempt`` is part of the key), so a rerun replays the same
failures and successes without paying again, and a failure is returned with every attempt's
reason instead of being replaced by a default.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from pydantic import BaseModel, Field, ValidationError
from xcoder_client.extract import extract_code

from xcoder_synth.llm.client import LLMClient
from xcoder_synth.llm.models import Completion, Provenance, SamplingParams
from xcoder_synth.llm.parsing import ReplyParseError, parse_json_object
from xcoder_synth.prompts import RenderedPrompt

M = TypeVar("M", bound=BaseModel)
EXCERPT_CHARS = 400


class AttemptFailure(BaseModel):
    attempt: int
    reason: str
    detail: str
    excerpt: str = Field(description="Start and end of the raw reply, for inspection.")
    cache_key: str


class ParseFailure(BaseModel):
    """No attempt produced a valid reply; ``reason`` is the last attempt's reason."""

    reason: str
    detail: str
    attempts: list[AttemptFailure]
    provenance: Provenance


class Reply(BaseModel, Generic[M]):
    value: M
    completion: Completion
    provenance: Provenance
    failed_attempts: list[AttemptFailure] = Field(default_factory=list)


class CodeReply(BaseModel):
    code: str
    completion: Completion
    provenance: Provenance
    failed_attempts: list[AttemptFailure] = Field(default_factory=list)


def _excerpt(text: str) -> str:
    if len(text) <= EXCERPT_CHARS:
        return text
    half = EXCERPT_CHARS // 2
    return f"{text[:half]} … {text[-half:]}"


def provenance(
    client: LLMClient,
    prompt: RenderedPrompt,
    completion: Completion,
    sample: int,
    attempt: int,
    sampling: SamplingParams | None = None,
) -> Provenance:
    return Provenance(
        endpoint=client.name,
        model=client.config.model,
        prompt_id=prompt.id,
        prompt_version=prompt.version,
        sampling=client.sampling(sampling).for_request(sample, attempt).model_dump(exclude_none=True),
        sample=sample,
        attempt=attempt,
        cache_key=completion.cache_key,
        usage=completion.usage,
        finish_reason=completion.finish_reason,
    )


def _attempt_failure(attempt: int, reason: str, detail: str, completion: Completion) -> AttemptFailure:
    return AttemptFailure(
        attempt=attempt,
        reason=reason,
        detail=detail,
        excerpt=_excerpt(completion.text),
        cache_key=completion.cache_key,
    )


def _gave_up(failures: list[AttemptFailure], prov: Provenance | None) -> ParseFailure:
    """Every attempt failed: the last one's reason, with all of them."""
    assert prov is not None
    last = failures[-1]
    return ParseFailure(reason=last.reason, detail=last.detail, attempts=failures, provenance=prov)


def _truncation(completion: Completion) -> str | None:
    if completion.finish_reason == "length":
        return "the reply hit max_tokens (finish_reason=length)"
    return None


async def ask(
    client: LLMClient,
    prompt: RenderedPrompt,
    schema: type[M],
    *,
    sample: int = 0,
    attempts: int = 2,
    check: Callable[[M], None] | None = None,
    sampling: SamplingParams | None = None,
) -> Reply[M] | ParseFailure:
    """A reply validated by ``schema`` (and ``check``, which raises ValueError), or why none was."""
    failures: list[AttemptFailure] = []
    prov: Provenance | None = None
    for attempt in range(attempts):
        completion = await client.complete(
            prompt.messages, prompt_id=prompt.ref, sample=sample, attempt=attempt, sampling=sampling
        )
        prov = provenance(client, prompt, completion, sample, attempt, sampling)
        try:
            obj = parse_json_object(completion.text)
            value = schema.model_validate(obj)
            if check is not None:
                check(value)
        except ReplyParseError as exc:
            reason, detail = exc.reason, exc.detail
        except ValidationError as exc:
            reason = "schema_mismatch"
            detail = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or '<root>'}: {e['msg']}" for e in exc.errors()[:8]
            )
        except ValueError as exc:
            reason, detail = "invalid_content", str(exc)
        else:
            return Reply[schema](
                value=value, completion=completion, provenance=prov, failed_attempts=failures
            )
        cut = _truncation(completion)
        if cut:
            reason, detail = "truncated", f"{cut}; {detail}"
        failures.append(_attempt_failure(attempt, reason, detail, completion))
    return _gave_up(failures, prov)


async def ask_code(
    client: LLMClient,
    prompt: RenderedPrompt,
    *,
    language: str = "python",
    sample: int = 0,
    attempts: int = 1,
    check: Callable[[str], str | None] | None = None,
    sampling: SamplingParams | None = None,
) -> CodeReply | ParseFailure:
    """A program extracted with the shared extractor (and accepted by ``check``), or why none was.

    ``check`` returns a failure reason or None; it must never execute the code.
    """
    failures: list[AttemptFailure] = []
    prov: Provenance | None = None
    for attempt in range(attempts):
        completion = await client.complete(
            prompt.messages, prompt_id=prompt.ref, sample=sample, attempt=attempt, sampling=sampling
        )
        prov = provenance(client, prompt, completion, sample, attempt, sampling)
        extraction = extract_code(completion.text, language)
        if extraction.code is None:
            reason, detail = f"extract_{extraction.status.value}", f"{extraction.blocks} fenced block(s)"
        else:
            problem = check(extraction.code) if check else None
            if problem is None:
                return CodeReply(
                    code=extraction.code, completion=completion, provenance=prov, failed_attempts=failures
                )
            reason, detail = problem.split(":", 1)[0], problem
        cut = _truncation(completion)
        if cut and reason.startswith("extract_"):
            reason, detail = "truncated", f"{cut}; {detail}"
        failures.append(_attempt_failure(attempt, reason, detail, completion))
    return _gave_up(failures, prov)
