"""Fuzz every operation of the OpenAPI document with schemathesis: no input may cause a 5xx.

The API runs with a real worker (Python only, to start fast) on its own Redis database, so valid
generated submissions are really judged. Generated `wait` values are capped so no request sits
for an hour; compat calls wait at most XCODER_JUDGE_COMPAT_WAIT_S (1 s here) by configuration.

Schemathesis generates only JSON a strict encoder accepts, so a `flatmap_body` hook also puts
what Python's json parser accepts and JSON peers cannot answer into any place of a generated
body: NaN, ±Infinity, an overflowing exponent (`-2.5E+999`) and unpaired surrogates, in values
and in keys. Bodies are sent as the raw text (requests' own encoder would refuse NaN). Every
answer must be a 4xx or better and itself strict JSON.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from xcoder_judge.config import Settings
from xcoder_judge.service.api.app import create_app
from xcoder_judge.testing import JudgeCluster, LiveJudge, claim_redis

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def fuzz_judge(judge_session_root: Path) -> Iterator[LiveJudge]:
    target = claim_redis(judge_session_root / "fuzz-redis")
    cluster = JudgeCluster(redis_url=target.url, root=judge_session_root / "fuzz")
    try:
        cluster.start_worker(slots=1, job_threads=2, languages="python3")
        cluster.start_api(compat_wait_s=1, max_body_mb=1, max_queue=500)
        cluster.wait_ready()
        yield LiveJudge(url=cluster.url, redis_url=target.url, cluster=cluster)
    finally:
        cluster.stop(kill=True)  # fuzzed submissions may still be running: nothing to drain for
        target.release()


# The document the live API serves, built without starting anything (the app reads Redis only
# in its lifespan).
schema = schemathesis.openapi.from_dict(create_app(Settings()).openapi())
schema.config.generation.update(modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE])

# A finite float no generator produces, written out as an overflowing literal after encoding.
_HUGE_MARKER = 1.2345678901234e300
_HUGE_TEXT = "-2.5E+999"
_HOSTILE_VALUES = (float("nan"), float("inf"), float("-inf"), _HUGE_MARKER, "\ud800", "a\udfffb", "\udbff")


def _places(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Paths to every value inside a JSON body (the body itself included)."""
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _places(item, (*path, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _places(item, (*path, i))


def _replaced(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return {**value, head: _replaced(value[head], rest, new)}
    return [_replaced(item, rest, new) if i == head else item for i, item in enumerate(value)]


def _with_key(value: Any, path: tuple[Any, ...], key: str) -> Any:
    """`value` with an entry under `key` added to the object at `path` (if it is one)."""
    target = value
    for step in path:
        target = target[step]
    if not isinstance(target, dict):
        return value
    return _replaced(value, path, {**target, key: 1})


@schema.hook
def flatmap_body(context: Any, body: Any) -> st.SearchStrategy[Any]:
    places = list(_places(body))
    hostile = st.tuples(st.sampled_from(places), st.sampled_from(_HOSTILE_VALUES)).map(
        lambda pv: _replaced(body, *pv)
    )
    hostile_key = st.sampled_from(places).map(lambda p: _with_key(body, p, "k\ud800"))
    return st.one_of(st.just(body), hostile, hostile_key)


def _no_constants(name: str) -> None:
    raise AssertionError(f"the response carries {name}")


def _send(case: Any, base_url: str) -> requests.Response:
    """The case as raw text; waits are capped on the way out (editing the case itself would make
    schemathesis revalidate it, which fails on the surrogates planted above)."""
    kwargs = case.as_transport_kwargs(base_url=base_url)
    params = kwargs.get("params")
    if isinstance(params, dict) and "wait" in params:
        kwargs["params"] = {**params, "wait": 0}
    if "json" in kwargs:
        body = kwargs.pop("json")
        if case.path == "/v1/submissions/lookup" and isinstance(body, dict):
            wait = body.get("wait")
            if isinstance(wait, int | float) and not isinstance(wait, bool) and math.isfinite(wait):
                body = {**body, "wait": min(wait, 1)}
        text = json.dumps(body)  # NaN, Infinity and \ud800 escapes written as such
        kwargs["data"] = text.replace(repr(_HUGE_MARKER), _HUGE_TEXT).encode()
    return requests.request(**kwargs, timeout=30)


@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_input_causes_a_server_error(case, fuzz_judge):
    response = _send(case, fuzz_judge.url)
    assert response.status_code < 500 or (case.path == "/readyz" and response.status_code == 503), (
        f"{case.method} {case.path} → {response.status_code}: {response.text[:2000]}"
    )
    if response.headers.get("content-type", "").startswith("application/json"):
        json.loads(response.content.decode("utf-8"), parse_constant=_no_constants)
