"""SandboxFusion and code-judge requests become our submissions; our results read as theirs.

Golden payloads: what verl 0.9.1 posts to /run_code (verl/utils/reward_score/sandbox_fusion/utils.py)
and what X-Coder's trainer posts to /judge/long-batch (rl-recipe/verl/workers/reward_manager).
"""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from xcoder_judge.service.compat import code_judge as cj
from xcoder_judge.service.compat import sandbox_fusion as sf
from xcoder_wire.schemas import CompileResult, OutputMode, Priority, SubmissionResult, Verdict
from xcoder_wire.schemas import TestResult as OneTest

VERL_RUN_CODE = {
    "compile_timeout": 10,
    "run_timeout": 10,
    "code": "a, b = map(int, input().split())\nprint(a + b)\n",
    "stdin": "1 2\n",
    "memory_limit_MB": 1024,
    "language": "python",
    "files": {},
    "fetch_files": [],
}
XCODER_LONG_BATCH = {
    "type": "batch",
    "submissions": [
        {"type": "python", "solution": "print(input())", "input": "9", "expected_output": "9"},
        {"type": "cpp", "solution": "int main(){}", "input": None, "expected_output": None},
    ],
}


def result(verdict: Verdict, **test) -> SubmissionResult:
    t = OneTest(index=0, verdict=verdict, wall_s=0.25, **test)
    passed = int(verdict is Verdict.AC)
    return SubmissionResult(id="x", verdict=verdict, score=passed, passed=passed, total=1, tests=[t])


# ------------------------------------------------------------------ SandboxFusion


def test_verl_payload_becomes_one_stdio_run_returning_all_output():
    sub = sf.to_submission(sf.RunCodeRequest.model_validate(VERL_RUN_CODE))
    assert sub.language == "python3" and sub.source == VERL_RUN_CODE["code"]
    (test,) = sub.tests
    assert test.kind == "stdio" and test.input == "1 2\n" and test.expected is None
    assert sub.limits.time_s == 10 and sub.limits.wall_s == 10 and sub.limits.memory_mb == 1024
    assert sub.compile_limits.time_s == 10
    assert sub.output is OutputMode.all
    assert sub.output_cap_bytes == sf.OUTPUT_LIMIT_MB << 20 == sub.limits.output_mb * (1 << 20)
    assert sub.priority is Priority.bulk


def test_run_code_ids_come_from_the_content_so_a_retry_finds_its_job():
    first = sf.to_submission(sf.RunCodeRequest.model_validate(VERL_RUN_CODE))
    retry = sf.to_submission(sf.RunCodeRequest.model_validate(dict(VERL_RUN_CODE)))
    assert first.id == retry.id and first.id is not None and first.id.startswith("sandboxfusion:")
    for change in ({"stdin": "2 3\n"}, {"code": "print(3)"}, {"run_timeout": 5}, {"memory_limit_MB": 2048}):
        other = sf.to_submission(sf.RunCodeRequest.model_validate({**VERL_RUN_CODE, **change}))
        assert other.id != first.id, change


def test_run_code_answers_before_verls_http_timeout():
    # verl gives up after compile_timeout + run_timeout + 10 s and scores the test as failed.
    request = sf.RunCodeRequest.model_validate({**VERL_RUN_CODE, "compile_timeout": 5, "run_timeout": 5})
    assert sf.caller_wait_s(request, 3600) == 18
    assert sf.caller_wait_s(request, 4) == 4
    tiny = sf.RunCodeRequest.model_validate({**VERL_RUN_CODE, "compile_timeout": 0.1, "run_timeout": 0.1})
    assert sf.caller_wait_s(tiny, 3600) == pytest.approx(8.2)


@pytest.mark.parametrize(
    ("given", "expected"), [(-1, sf.DEFAULT_MEMORY_MB), (0, sf.DEFAULT_MEMORY_MB), (256, 256)]
)
def test_memory_limit_defaults_where_sandboxfusion_has_none(given, expected):
    sub = sf.to_submission(sf.RunCodeRequest.model_validate({**VERL_RUN_CODE, "memory_limit_MB": given}))
    assert sub.limits.memory_mb == expected


@pytest.mark.parametrize(
    ("field", "value"),
    [("files", {"a.txt": "aGk="}), ("fetch_files", ["out.txt"]), ("language", "cuda")],
)
def test_unsupported_fields_are_refused_by_name(field, value):
    with pytest.raises(sf.CompatError) as err:
        sf.to_submission(sf.RunCodeRequest.model_validate({**VERL_RUN_CODE, field: value}))
    assert err.value.field == field


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("run_timeout", 0),
        ("run_timeout", 61),
        ("compile_timeout", -1),
        ("memory_limit_MB", 8),
        ("code", "  "),
        ("code", "x\x00"),
    ],
)
def test_out_of_range_fields_fail_validation_naming_them(field, value):
    with pytest.raises(ValidationError) as err:
        sf.RunCodeRequest.model_validate({**VERL_RUN_CODE, field: value})
    assert err.value.errors()[0]["loc"] == (field,)


def test_accepted_run_reads_as_success_with_full_stdout():
    out = "7\n" * 200_000
    resp = sf.to_response(result(Verdict.AC, exit_code=0, stdout=out, stderr=""))
    assert resp.status == "Success" and resp.compile_result is None
    assert resp.run_result.status == "Finished" and resp.run_result.return_code == 0
    assert resp.run_result.stdout == out and resp.run_result.execution_time == 0.25


def test_runtime_error_keeps_exit_status_or_signal():
    re_exit = sf.to_response(result(Verdict.RE, exit_code=3, stderr="Traceback"))
    assert (re_exit.status, re_exit.run_result.status, re_exit.run_result.return_code) == (
        "Failed",
        "Finished",
        3,
    )
    killed = sf.to_response(result(Verdict.RE, signal=6))
    assert killed.run_result.return_code == -6
    mle = sf.to_response(result(Verdict.MLE, signal=9))
    assert mle.status == "Failed" and mle.run_result.return_code == -9


def test_time_limit_is_sandboxfusions_timelimitexceeded():
    resp = sf.to_response(result(Verdict.TLE, signal=9))
    assert resp.status == "Failed" and resp.run_result.status == "TimeLimitExceeded"
    assert resp.run_result.return_code is None


def test_compile_error_has_compile_output_and_no_run():
    res = SubmissionResult(
        id="x",
        verdict=Verdict.CE,
        score=0,
        passed=0,
        total=1,
        compile=CompileResult(ok=False, output="error: x"),
    )
    resp = sf.to_response(res)
    assert resp.status == "Failed" and resp.run_result is None
    assert resp.compile_result.return_code == 1 and resp.compile_result.stderr == "error: x"


def test_judge_failure_is_a_sandbox_error_never_a_wrong_answer():
    se = SubmissionResult(id="x", verdict=Verdict.SE, score=0, passed=0, total=1, message="slot died")
    assert sf.to_response(se).status == "SandboxError"
    assert sf.to_response(result(Verdict.AC, stdout="1", stdout_truncated=True)).status == "SandboxError"


# ------------------------------------------------------------------ code-judge


def test_xcoder_long_batch_payload_parses_and_translates():
    batch = cj.CJBatchSubmission.model_validate(XCODER_LONG_BATCH)
    py, cpp = (
        cj.to_submission(s, time_s=10, memory_mb=1024, with_output=False, priority=Priority.bulk)
        for s in batch.submissions
    )
    assert py.language == "python3" and py.tests[0].input == "9" and py.tests[0].expected == "9"
    assert py.checker.kind == "tokens" and py.output is OutputMode.none and py.priority is Priority.bulk
    assert cpp.language == "cpp17" and cpp.tests[0].input == "" and cpp.tests[0].expected is None


@pytest.mark.parametrize(
    ("verdict", "success", "run_success", "reason"),
    [
        (Verdict.AC, True, True, ""),
        (Verdict.WA, False, True, ""),
        (Verdict.PE, False, True, ""),
        (Verdict.RE, False, False, ""),
        (Verdict.MLE, False, False, ""),
        (Verdict.TLE, False, False, "worker_timeout"),
    ],
)
def test_verdicts_read_as_code_judge_fields(verdict, success, run_success, reason):
    r = cj.to_result(result(verdict, stdout="out"), "s1")
    assert (r.sub_id, r.success, r.run_success, r.reason) == ("s1", success, run_success, reason)
    assert r.cost == 0.25 and r.stdout == "out"


def test_judge_failures_and_missing_verdicts_are_flagged_for_retry():
    se = SubmissionResult(id="x", verdict=Verdict.SE, score=0, passed=0, total=1)
    assert cj.to_result(se, "s").reason == "internal_error"
    assert cj.to_result(None, "s").reason == "queue_timeout"
    ce = SubmissionResult(
        id="x", verdict=Verdict.CE, score=0, passed=0, total=1, compile=CompileResult(ok=False, output="err")
    )
    r = cj.to_result(ce, "s")
    assert (r.success, r.run_success, r.reason, r.stderr) == (False, False, "", "err")


def test_blank_programs_are_answered_without_a_run():
    blank_py = cj.CJSubmission(type="python", solution="  \n", expected_output="\n")
    assert cj.precheck(blank_py, "a").success is True
    assert cj.precheck(blank_py.model_copy(update={"expected_output": "1"}), "a").success is False
    blank_cpp = cj.precheck(cj.CJSubmission(type="cpp", solution=""), "b")
    assert (blank_cpp.success, blank_cpp.run_success) == (False, False)
    nul = cj.precheck(cj.CJSubmission(type="python", solution="print(1)\x00"), "c")
    assert (nul.success, nul.run_success) == (False, False)
    assert cj.precheck(cj.CJSubmission(type="python", solution="print(1)"), "d") is None


def test_unknown_type_is_a_validation_error():
    with pytest.raises(ValidationError) as err:
        cj.CJSubmission.model_validate({"type": "math", "solution": "1+1"})
    assert err.value.errors()[0]["loc"] == ("type",)


@pytest.mark.parametrize(
    ("name", "ours"),
    [
        ("php", "php"),
        ("csharp", "csharp"),
        ("typescript", "typescript"),
        ("bash", "bash"),
        ("scala", "scala"),
    ],
)
def test_sandbox_fusion_names_of_the_further_languages_map_to_ours(name, ours):
    sub = sf.to_submission(sf.RunCodeRequest.model_validate({**VERL_RUN_CODE, "language": name}))
    assert sub.language == ours
