"""The LLM client against the replay server: cache, retries, accounting, structured replies."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from pydantic import BaseModel
from xcoder_synth.errors import LLMError, LLMRequestError
from xcoder_synth.llm import EndpointConfig, LLMPool, ParseFailure, Reply, ResponseCache, ask
from xcoder_synth.prompts import features as feature_prompts
from xcoder_synth.prompts import render
from xcoder_synth.testing.replay import ReplayServer, Rule

from .conftest import endpoint


def _pool(url: str, tmp_path, **overrides) -> LLMPool:
    cfg = EndpointConfig.model_validate({**endpoint(url), **overrides})
    return LLMPool({"default": cfg}, ResponseCache(tmp_path / "cache"))


async def _ask_once(pool: LLMPool, prompt, schema, **kw):
    try:
        return await ask(pool.get("default"), prompt, schema, **kw)
    finally:
        await pool.aclose()


class Answer(BaseModel):
    value: int


def _rules() -> list[Rule]:
    return [
        Rule(
            name="ok", prompt="test.prompt", contains=["give 7"], response='Sure.\n```json\n{"value": 7}\n```'
        ),
        Rule(
            name="bad-then-good-0", prompt="test.prompt", contains=["flaky"], attempt=0, response="not json"
        ),
        Rule(
            name="bad-then-good-1",
            prompt="test.prompt",
            contains=["flaky"],
            attempt=1,
            response='{"value": 3}',
        ),
        Rule(name="always-bad", prompt="test.prompt", contains=["hopeless"], response='{"value": "seven"}'),
        Rule(
            name="cut", prompt="test.prompt", contains=["long"], finish_reason="length", response='{"value": '
        ),
    ]


def _prompt(text: str):
    return render("test.prompt", "1", "system", text)


def test_cache_makes_a_rerun_free(tmp_path):
    with ReplayServer(_rules()) as srv:
        for _ in range(2):
            pool = _pool(srv.url, tmp_path)
            result = asyncio.run(_ask_once(pool, _prompt("please give 7"), Answer))
            assert isinstance(result, Reply) and result.value.value == 7
        assert len(srv.state.log) == 1  # the second run was served from the cache
    # The provenance records model, prompt version and sampling of the reply.
    assert result.provenance.model == "replay-model"
    assert result.provenance.prompt_id == "test.prompt" and result.provenance.prompt_version == "1"
    assert result.provenance.sampling["temperature"] == 0.7 and result.provenance.sampling["seed"] == 0


def test_parse_failure_is_retried_with_a_new_attempt(tmp_path):
    with ReplayServer(_rules()) as srv:
        pool = _pool(srv.url, tmp_path)
        result = asyncio.run(_ask_once(pool, _prompt("flaky one"), Answer, attempts=2))
        assert [r.attempt for r in srv.state.log] == [0, 1]
    assert isinstance(result, Reply) and result.value.value == 3
    assert result.provenance.attempt == 1
    assert [f.reason for f in result.failed_attempts] == ["no_json"]


def test_parse_failure_is_dropped_with_reasons_not_defaults(tmp_path):
    with ReplayServer(_rules()) as srv:
        pool = _pool(srv.url, tmp_path)
        result = asyncio.run(_ask_once(pool, _prompt("hopeless case"), Answer, attempts=3))
    assert isinstance(result, ParseFailure)
    assert result.reason == "schema_mismatch"
    assert len(result.attempts) == 3 and "value" in result.detail
    assert result.attempts[0].excerpt == '{"value": "seven"}'


def test_truncated_reply_is_reported_as_truncated(tmp_path):
    with ReplayServer(_rules()) as srv:
        pool = _pool(srv.url, tmp_path)
        result = asyncio.run(_ask_once(pool, _prompt("a long one"), Answer, attempts=1))
    assert isinstance(result, ParseFailure) and result.reason == "truncated"


def test_server_errors_are_retried_with_backoff_and_counted(tmp_path):
    with ReplayServer(_rules()) as srv:
        httpx.post(srv.url.replace("/v1", "/_replay/faults"), json={"fail_next": 2, "status": 503})
        pool = _pool(srv.url, tmp_path)

        async def go():
            result = await ask(pool.get("default"), _prompt("please give 7"), Answer)
            meter = pool.get("default").meter
            await pool.aclose()
            return result, meter

        result, meter = asyncio.run(go())
        assert [r.status for r in srv.state.log] == [503, 503, 200]
    assert isinstance(result, Reply)
    assert meter.retries == 2 and meter.requests == 1 and meter.completion_tokens > 0


def test_retries_are_bounded(tmp_path):
    with ReplayServer(_rules()) as srv:
        httpx.post(srv.url.replace("/v1", "/_replay/faults"), json={"fail_next": 10, "status": 500})
        pool = _pool(srv.url, tmp_path, max_retries=2)
        with pytest.raises(LLMError, match="after 3 attempts"):
            asyncio.run(_ask_once(pool, _prompt("please give 7"), Answer))
        assert len(srv.state.log) == 3


def test_missing_recording_is_a_request_error_not_retried(tmp_path):
    with ReplayServer(_rules()) as srv:
        pool = _pool(srv.url, tmp_path)
        with pytest.raises(LLMRequestError, match="no recording"):
            asyncio.run(_ask_once(pool, _prompt("nothing matches this"), Answer))
        assert len(srv.state.log) == 1


def test_prompt_headers_route_requests(tmp_path, replay):
    """Requests carry the prompt id; the server answers the extraction prompt from its recordings."""
    pool = _pool(replay.url, tmp_path)
    prompt = feature_prompts.extract(
        "Given an array of n integers and an integer k, count the subarrays whose sum is divisible by k.",
        None,
    )

    class Loose(BaseModel):
        features: dict
        summary: str

    result = asyncio.run(_ask_once(pool, prompt, Loose))
    assert isinstance(result, Reply)
    assert replay.state.log[0].prompt == "features.extract@1"
    assert "congruences" in str(result.value.features)


def test_concurrency_is_bounded_per_endpoint(tmp_path):
    rules = [Rule(name="any", prompt="test.prompt", response='{"value": 1}')]
    with ReplayServer(rules) as srv:
        _admin = srv.url.replace("/v1", "/_replay")
        httpx.post(f"{_admin}/gate", json={"after": 0})  # hold every request
        pool = _pool(srv.url, tmp_path, max_concurrency=3)

        async def go():
            tasks = [
                asyncio.create_task(ask(pool.get("default"), _prompt(f"request {i}"), Answer))
                for i in range(10)
            ]
            while httpx.get(f"{_admin}/log").json()["waiting"] < 3:
                await asyncio.sleep(0.02)
            await asyncio.sleep(0.2)  # give any fourth request the chance to arrive (it must not)
            held = httpx.get(f"{_admin}/log").json()["waiting"]
            httpx.post(f"{_admin}/release")
            results = await asyncio.gather(*tasks)
            await pool.aclose()
            return held, results

        held, results = asyncio.run(go())
    assert held == 3
    assert all(isinstance(r, Reply) for r in results) and len(srv.state.log) == 10
