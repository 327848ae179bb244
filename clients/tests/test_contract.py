"""The client's wire mirror must match the judge's models (services/judge/xcoder_judge/schemas.py)."""

from __future__ import annotations

import json

import pytest
import xcoder_client.models as mirror
from pydantic import BaseModel
from xcoder_wire import schemas as server

PAIRS = [
    "Limits",
    "CompileLimits",
    "TokensChecker",
    "ExactChecker",
    "LinesChecker",
    "FloatsChecker",
    "ProgramChecker",
    "Interactor",
    "StdioTest",
    "CallTest",
    "AssertTest",
    "Submission",
    "BatchRequest",
    "LookupRequest",
    "CompileResult",
    "TestResult",
    "SubmissionResult",
    "SubmissionEnvelope",
    "BatchResponse",
    "LanguageInfo",
]


@pytest.mark.parametrize("name", PAIRS)
def test_field_names_match(name):
    ours: type[BaseModel] = getattr(mirror, name)
    theirs: type[BaseModel] = getattr(server, name)
    assert set(ours.model_fields) == set(theirs.model_fields)


def _plain(value):
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    return getattr(value, "value", value)


@pytest.mark.parametrize("name", PAIRS)
def test_defaults_and_requiredness_match(name):
    ours, theirs = getattr(mirror, name), getattr(server, name)
    for field, info in theirs.model_fields.items():
        assert ours.model_fields[field].is_required() == info.is_required(), field
        if not info.is_required():
            mine = ours.model_fields[field].get_default(call_default_factory=True)
            assert _plain(mine) == _plain(info.get_default(call_default_factory=True)), field


def test_verdict_and_enum_sets_match():
    assert [v.value for v in mirror.Verdict] == [v.value for v in server.Verdict]
    assert {v.value for v in mirror.JobStatus} == {v.value for v in server.JobStatus}
    assert {v.value for v in mirror.Priority} == {v.value for v in server.Priority}
    assert {v.value for v in mirror.OutputMode} == {v.value for v in server.OutputMode}


def test_bounds_match():
    assert (
        mirror.MAX_SOURCE_BYTES,
        mirror.MAX_TESTS,
        mirror.MAX_ID_LENGTH,
        mirror.MAX_BATCH,
        mirror.MAX_WAIT_S,
    ) == (
        server.MAX_SOURCE_BYTES,
        server.MAX_TESTS,
        server.MAX_ID_LENGTH,
        server.MAX_BATCH,
        server.MAX_WAIT_S,
    )


def test_a_client_submission_is_a_valid_server_submission():
    sub = mirror.Submission(
        id="a.b-1",
        language="python3",
        source="def f(x):\n    return x\n",
        fn_name="f",
        tests=[
            mirror.StdioTest(input="1", expected="1"),
            mirror.CallTest(args=[1], kwargs={"k": None}, expected=None),
            mirror.AssertTest(code="assert f(1) == 1"),
        ],
        checker=mirror.FloatsChecker(abs_tol=1e-3),
        limits=mirror.Limits(time_s=1.5),
        stop_on_first_failure=True,
    )
    parsed = server.Submission.model_validate_json(sub.model_dump_json())
    assert json.loads(parsed.model_dump_json()) == json.loads(sub.model_dump_json())


def test_a_server_result_parses_as_a_client_result():
    result = server.SubmissionResult(
        id="x",
        verdict=server.Verdict.WA,
        score=0.5,
        passed=1,
        total=2,
        compile=server.CompileResult(ok=True),
        tests=[server.TestResult(index=0, verdict=server.Verdict.AC)],
    )
    ours = mirror.SubmissionResult.model_validate_json(result.model_dump_json())
    assert ours.verdict is mirror.Verdict.WA and ours.tests[0].verdict is mirror.Verdict.AC and ours.scored
