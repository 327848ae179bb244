"""Bodies Python's json accepts but JSON peers cannot answer: each a 4xx naming the field, never a 5xx.

`NaN`, `Infinity`, `1e400`, unpaired surrogates and non-UTF-8 bytes are sent as raw bytes (an
HTTP client's JSON encoder would refuse or rewrite them) to an API process over real HTTP. No
worker is needed: every case is refused before anything is enqueued.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from xcoder_judge.testing import JudgeCluster

SUB = '{"language": "python3", "source": "print(1)", "tests": [{"input": "", "expected": "1"}]}'


@pytest.fixture(scope="module")
def api(judge_session_root: Path, service_redis) -> Iterator[httpx.Client]:
    cluster = JudgeCluster(redis_url=service_redis.url, root=judge_session_root / "strict-input")
    url = cluster.start_api()
    client = httpx.Client(base_url=url, timeout=30)
    for _ in range(400):
        try:
            client.get("/healthz")
            break
        except httpx.TransportError:
            time.sleep(0.05)
    yield client
    client.close()
    cluster.stop()


def post(api: httpx.Client, path: str, body: str | bytes, **params: object) -> httpx.Response:
    raw = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body
    r = api.post(path, content=raw, params=params, headers={"Content-Type": "application/json"})
    assert r.status_code < 500, f"{path} {raw[:200]!r} → {r.status_code}: {r.text[:500]}"
    json.loads(r.content.decode("utf-8"), parse_constant=_no_constants)  # strict JSON, valid UTF-8
    return r


def _no_constants(name: str) -> None:
    raise AssertionError(f"the response carries {name}")


def submission(**fields: str) -> str:
    """SUB with raw JSON text spliced in for some fields (so NaN or `\\ud800` go out as written)."""
    body = json.loads(SUB)
    text = json.dumps(body)[:-1]
    for name, raw in fields.items():
        text += f', "{name}": {raw}'
    return text + "}"


def time_limit(value: str) -> str:
    return '{"time_s": ' + value + "}"


def batch_of(*subs: str) -> str:
    return '{"submissions": [' + ", ".join(subs) + "]}"


NON_FINITE = ["NaN", "Infinity", "-Infinity", "1e400", "-2.5E+999"]

FLOAT_FIELDS = [
    ("/v1/submissions", lambda v: submission(limits=f'{{"time_s": {v}}}'), ["body", "limits", "time_s"]),
    ("/v1/submissions", lambda v: submission(limits=f'{{"wall_s": {v}}}'), ["body", "limits", "wall_s"]),
    (
        "/v1/submissions",
        lambda v: submission(limits=f'{{"output_mb": {v}}}'),
        ["body", "limits", "output_mb"],
    ),
    (
        "/v1/submissions",
        lambda v: submission(limits=f'{{"memory_mb": {v}}}'),
        ["body", "limits", "memory_mb"],
    ),
    (
        "/v1/submissions",
        lambda v: submission(compile_limits=f'{{"time_s": {v}}}'),
        ["body", "compile_limits", "time_s"],
    ),
    (
        "/v1/submissions",
        lambda v: submission(checker=f'{{"kind": "floats", "abs_tol": {v}}}'),
        ["body", "checker", "abs_tol"],
    ),
    (
        "/v1/submissions",
        lambda v: submission(checker=f'{{"kind": "floats", "rel_tol": {v}}}'),
        ["body", "checker", "rel_tol"],
    ),
    (
        "/v1/submissions",
        lambda v: submission(fn_name='"f"', tests=f'[{{"kind": "call", "args": [1, [2, {v}]]}}]'),
        ["body", "tests", 0, "args", 1, 1],
    ),
    (
        "/v1/submissions",
        lambda v: submission(fn_name='"f"', tests=f'[{{"kind": "call", "kwargs": {{"x": {v}}}}}]'),
        ["body", "tests", 0, "kwargs", "x"],
    ),
    (
        "/v1/submissions",
        lambda v: submission(fn_name='"f"', tests=f'[{{"kind": "call", "expected": {v}}}]'),
        ["body", "tests", 0, "expected"],
    ),
    (
        "/v1/submissions/batch",
        lambda v: batch_of(SUB, submission(limits=time_limit(v))),
        ["body", "submissions", 1, "limits", "time_s"],
    ),
    ("/v1/submissions/lookup", lambda v: f'{{"ids": ["a"], "wait": {v}}}', ["body", "wait"]),
    (
        "/run_code",
        lambda v: f'{{"code": "print(1)", "language": "python", "run_timeout": {v}}}',
        ["body", "run_timeout"],
    ),
    (
        "/run_code",
        lambda v: f'{{"code": "print(1)", "language": "python", "compile_timeout": {v}}}',
        ["body", "compile_timeout"],
    ),
    (
        "/run_code",
        lambda v: f'{{"code": "print(1)", "language": "python", "memory_limit_MB": {v}}}',
        ["body", "memory_limit_MB"],
    ),
]


@pytest.mark.parametrize("value", NON_FINITE)
@pytest.mark.parametrize(
    ("path", "make", "loc"), FLOAT_FIELDS, ids=lambda x: x if isinstance(x, str) else None
)
def test_non_finite_numbers_are_a_422_naming_the_field(api, value, path, make, loc):
    r = post(api, path, make(value))
    assert r.status_code == 422, r.text
    [error] = r.json()["detail"]
    assert error["loc"] == loc and error["type"] == "finite_number"
    assert "finite number" in error["msg"] and "input" not in error


SURROGATES = [
    ("/v1/submissions", submission(source='"print(1) # \\ud800"'), ["body", "source"]),
    (
        "/v1/submissions",
        submission(tests='[{"input": "\\udfff", "expected": "1"}]'),
        ["body", "tests", 0, "input"],
    ),
    (
        "/v1/submissions",
        submission(tests='[{"input": "", "expected": "x\\ud83d"}]'),
        ["body", "tests", 0, "expected"],
    ),
    (
        "/v1/submissions",
        submission(checker='{"kind": "program", "language": "python3", "source": "\\udc00"}'),
        ["body", "checker", "source"],
    ),
    (
        "/v1/submissions",
        submission(fn_name='"f"', tests='[{"kind": "call", "kwargs": {"k\\ud800": 1}}]'),
        ["body", "tests", 0, "kwargs", "k\\ud800"],
    ),
    ("/run_code", '{"code": "print(1)\\ud800", "language": "python"}', ["body", "code"]),
    ("/run_code", '{"code": "print(1)", "stdin": "\\ud800", "language": "python"}', ["body", "stdin"]),
    ("/judge", '{"type": "python", "solution": "print(1)", "input": "\\udbff"}', ["body", "input"]),
    (
        "/judge/long-batch",
        '{"submissions": [{"type": "python", "solution": "print(1)"}, {"type": "python", "solution": "\\ud800"}]}',
        ["body", "submissions", 1, "solution"],
    ),
]


@pytest.mark.parametrize(("path", "body", "loc"), SURROGATES)
def test_unpaired_surrogates_are_a_422_naming_the_field(api, path, body, loc):
    r = post(api, path, body)
    assert r.status_code == 422, r.text
    [error] = r.json()["detail"]
    assert error["loc"] == loc and error["type"] == "string_unicode"
    assert "surrogate" in error["msg"] and "input" not in error


def test_a_body_that_is_not_utf8_is_a_400_saying_so(api):
    for path in ("/v1/submissions", "/run_code", "/judge"):
        r = post(api, path, SUB.encode().replace(b"print(1)", b"print(\xff1)"))
        assert r.status_code == 400
        detail = r.json()["detail"]
        assert "not valid UTF-8" in detail and "0xff" in detail and "offset" in detail
    latin1 = post(api, "/v1/submissions", submission(source="\"print('é')\"").encode("latin-1"))
    assert latin1.status_code == 400 and "UTF-8" in latin1.json()["detail"]


def test_json_the_parser_cannot_hold_is_a_400_saying_why(api):
    huge_int = post(api, "/v1/submissions", submission(output_cap_bytes="1" + "0" * 5000))
    assert huge_int.status_code == 400 and "not usable JSON" in huge_int.json()["detail"]
    deep = post(
        api,
        "/v1/submissions",
        submission(fn_name='"f"', tests='[{"kind": "call", "args": ' + "[" * 100_000 + "]" * 100_000 + "}]"),
    )
    assert deep.status_code == 400 and "not usable JSON" in deep.json()["detail"]


def test_values_that_only_look_suspicious_pass_the_strict_reader(api):
    # An escaped backslash before "ud800", a paired surrogate escape, a tiny exponent and a big
    # finite one: all valid, so the submission is queued (no worker runs it here).
    body = submission(
        source="\"print('\\\\ud800 \\ud83d\\ude00')\"",
        checker='{"kind": "floats", "abs_tol": 1e-300, "rel_tol": 1.5e300}',
    )
    r = post(api, "/v1/submissions", body, wait=0)
    assert r.status_code == 202 and r.json()["status"] == "queued", r.text


def test_other_422s_echo_only_what_can_be_written(api):
    # A field error whose input is a finite value is echoed as FastAPI does; a long one is not.
    neg = post(api, "/v1/submissions", submission(limits='{"time_s": -1}')).json()["detail"]
    assert neg[0]["loc"] == ["body", "limits", "time_s"] and neg[0]["input"] == -1
    long_source = post(api, "/v1/submissions", submission(language=json.dumps("x" * 5000))).json()["detail"]
    assert long_source[0]["loc"] == ["body", "language"] and "input" not in long_source[0]
    for value in ("nan", "inf", "-inf", "1e400"):
        r = api.post(
            "/v1/submissions",
            content=SUB,
            params={"wait": value},
            headers={"Content-Type": "application/json"},
        )
        assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["query", "wait"], r.text
