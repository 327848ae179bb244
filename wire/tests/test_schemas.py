"""The submission and result models: bounds named once, requests strict, responses lenient."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from xcoder_wire import schemas
from xcoder_wire.schemas import Limits, Submission, SubmissionResult, TestResult, Verdict
from xcoder_wire.verdicts import VERDICT_PRECEDENCE, overall_verdict


def test_bounds_are_the_named_constants() -> None:
    Limits(time_s=schemas.MAX_TIME_S, memory_mb=schemas.MAX_MEMORY_MB)
    with pytest.raises(ValidationError, match="time_s"):
        Limits(time_s=schemas.MAX_TIME_S + 0.1)
    with pytest.raises(ValidationError, match="compile_limits"):
        Submission(language="c", source="x", tests=[{}], compile_limits={"time_s": schemas.MAX_TIME_S * 2})
    with pytest.raises(ValidationError, match="tests"):
        Submission(language="c", source="x", tests=[{}] * (schemas.MAX_TESTS + 1))


def test_requests_forbid_unknown_fields_responses_ignore_them() -> None:
    with pytest.raises(ValidationError, match="surprise"):
        Submission.model_validate({"language": "c", "source": "x", "tests": [{}], "surprise": 1})
    result = SubmissionResult.model_validate(
        {"id": "a", "verdict": "AC", "score": 1, "passed": 1, "total": 1, "from_a_newer_judge": True}
    )
    assert result.accepted and result.scored


def test_tests_without_a_kind_are_stdio_and_call_tests_need_fn_name() -> None:
    sub = Submission(language="c", source="x", tests=[{"input": "1"}])
    assert sub.tests[0].kind == "stdio"
    with pytest.raises(ValidationError, match="fn_name"):
        Submission(language="python3", source="x", tests=[{"kind": "call", "args": []}])


def test_an_se_result_is_unscored() -> None:
    se = SubmissionResult(id="a", verdict=Verdict.SE, score=0, passed=0, total=1)
    assert not se.scored and not se.accepted


def test_overall_verdict_is_the_first_failed_test_in_test_order() -> None:
    def results(*verdicts: Verdict) -> list[TestResult]:
        return [TestResult(index=i, verdict=v) for i, v in enumerate(verdicts)]

    assert overall_verdict(results(Verdict.AC, Verdict.WA, Verdict.TLE)) == Verdict.WA
    assert overall_verdict(results(Verdict.AC, Verdict.SK)) == Verdict.AC
    assert overall_verdict(results(Verdict.SK, Verdict.RE)) == Verdict.RE
    assert overall_verdict([]) == Verdict.AC


def test_the_precedence_table_ranks_every_verdict_once_judge_failures_first() -> None:
    assert sorted(VERDICT_PRECEDENCE) == sorted(Verdict)
    assert VERDICT_PRECEDENCE[:2] == (Verdict.SE, Verdict.CE)
    assert VERDICT_PRECEDENCE.index(Verdict.TLE) < VERDICT_PRECEDENCE.index(Verdict.RE)
    assert VERDICT_PRECEDENCE[-1] == Verdict.AC


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_non_finite_numbers_are_refused_where_json_could_not_carry_them(value: float) -> None:
    # A client fails on the same value the judge would, instead of sending it on as null.
    for fields, where in (
        ({"limits": {"time_s": value}}, "limits.time_s"),
        ({"checker": {"kind": "floats", "abs_tol": value}}, "checker.floats.abs_tol"),
        ({"fn_name": "f", "tests": [{"kind": "call", "args": [1, [value]]}]}, "tests.0.call.args"),
        ({"fn_name": "f", "tests": [{"kind": "call", "kwargs": {"x": {"y": value}}}]}, "tests.0.call.kwargs"),
        ({"fn_name": "f", "tests": [{"kind": "call", "expected": value}]}, "tests.0.call.expected"),
    ):
        with pytest.raises(ValidationError) as info:
            Submission.model_validate({"language": "c", "source": "x", "tests": [{}], **fields})
        [error] = info.value.errors()
        assert ".".join(map(str, error["loc"])) == where
        assert "finite" in error["msg"]
    with pytest.raises(ValidationError, match="finite"):
        schemas.LookupRequest(ids=["a"], wait=value)
    call = Submission(
        language="c",
        source="x",
        fn_name="f",
        tests=[{"kind": "call", "args": [1e308, -0.0], "expected": 1e-320}],
    )
    assert call.tests[0].args == [1e308, -0.0]


def test_extra_files_are_plain_names_in_bounded_number_and_size() -> None:
    sub = Submission(language="java", source="x", files={"Helper.java": "class Helper {}"}, tests=[{}])
    assert sub.files == {"Helper.java": "class Helper {}"}
    assert Submission(language="c", source="x", tests=[{}]).files == {}
    for bad in ("../evil.h", "a/b.h", "/etc/passwd", ".hidden", "..", "a..b", "*.class", "x?", "", "a b"):
        with pytest.raises(ValidationError, match="files"):
            Submission(language="c", source="x", files={bad: "int x;"}, tests=[{}])
    with pytest.raises(ValidationError, match="NUL"):
        Submission(language="c", source="x", files={"a.h": "a\x00b"}, tests=[{}])
    many = {f"f{i}.h": "" for i in range(schemas.MAX_FILES + 1)}
    with pytest.raises(ValidationError, match=f"at most {schemas.MAX_FILES} files"):
        Submission(language="c", source="x", files=many, tests=[{}])
    half = "x" * (schemas.MAX_SOURCE_BYTES // 2 + 1)
    with pytest.raises(ValidationError, match="in all"):
        Submission(language="c", source="x", files={"a.h": half, "b.h": half}, tests=[{}])
    with pytest.raises(ValidationError, match="files"):  # a checker's files follow the same rules
        Submission(
            language="c",
            source="x",
            tests=[{}],
            checker={"kind": "program", "language": "c", "source": "x", "files": {"../t.h": ""}},
        )


def test_kattis_protocol_flags_and_passes_are_checked() -> None:
    base = {"language": "python3", "source": "print(1)", "tests": [{"input": "", "expected": "1"}]}
    kattis = {"kind": "program", "language": "python3", "source": "x", "protocol": "kattis"}
    sub = Submission.model_validate(
        {**base, "checker": {**kattis, "flags": ["float_tolerance", "1e-6"]}, "passes": 3}
    )
    assert sub.passes == 3 and sub.checker.protocol == "kattis"
    with pytest.raises(ValidationError, match="only the kattis protocol passes flags"):
        Submission.model_validate({**base, "checker": {**kattis, "protocol": "testlib", "flags": ["x"]}})
    with pytest.raises(ValidationError, match="multi-pass needs a kattis-protocol"):
        Submission.model_validate({**base, "passes": 2})
    with pytest.raises(ValidationError, match="multi-pass needs a kattis-protocol"):
        Submission.model_validate({**base, "checker": {**kattis, "protocol": "testlib"}, "passes": 2})
    with pytest.raises(ValidationError):
        Submission.model_validate({**base, "checker": kattis, "passes": 0})
    interactor = {k: v for k, v in kattis.items() if k != "kind"}
    inter = Submission.model_validate({**base, "interactor": interactor, "passes": 2})
    assert inter.interactor is not None and inter.interactor.protocol == "kattis"
    with pytest.raises(ValidationError):
        Submission.model_validate({**base, "checker": {**kattis, "protocol": "domjudge"}})
