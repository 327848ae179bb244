"""Fuzz every operation of the OpenAPI document with schemathesis: no input may cause a 5xx.

The API runs with a real worker (Python only, to start fast) on its own Redis database, so valid
generated submissions are really judged. Generated `wait` values are capped so no request sits
for an hour; compat calls wait at most XCODER_JUDGE_COMPAT_WAIT_S (1 s here) by configuration.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
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


@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_input_causes_a_server_error(case, fuzz_judge):
    if isinstance(case.query, dict) and "wait" in case.query:
        case.query["wait"] = 0  # negative cases keep their invalid values
    if (
        case.path == "/v1/submissions/lookup"
        and isinstance(case.body, dict)
        and isinstance(case.body.get("wait"), int | float)
    ):
        case.body["wait"] = min(case.body["wait"], 1)
    response = case.call(base_url=fuzz_judge.url, timeout=30)
    assert response.status_code < 500 or (case.path == "/readyz" and response.status_code == 503), (
        f"{case.method} {case.path} → {response.status_code}: {response.text[:2000]}"
    )
