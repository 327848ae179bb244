"""What each coalesced caller is told: its own test's result, never another member's."""

from __future__ import annotations

from xcoder_judge.service.api.coalesce import member_result, program_key
from xcoder_wire.schemas import CompileResult, Submission, SubmissionResult, TestResult, Verdict


def merged(verdict: Verdict, tests: list[TestResult], message: str = "") -> SubmissionResult:
    passed = sum(t.verdict is Verdict.AC for t in tests)
    return SubmissionResult(
        id="coalesced:x",
        verdict=verdict,
        score=passed / max(1, len(tests)),
        passed=passed,
        total=len(tests),
        compile=CompileResult(ok=verdict is not Verdict.CE, output="err" if verdict is Verdict.CE else ""),
        tests=tests,
        message=message,
        language="python3",
    )


def test_each_member_gets_its_own_test_as_test_zero():
    job = merged(
        Verdict.TLE,
        [
            TestResult(index=0, verdict=Verdict.TLE, message="time limit"),
            TestResult(index=1, verdict=Verdict.AC, stdout="4\n"),
        ],
    )
    tle, ok = member_result(job, 0, "a"), member_result(job, 1, "b")
    assert (tle.verdict, tle.passed, tle.total, tle.message) == (Verdict.TLE, 0, 1, "time limit")
    assert (ok.verdict, ok.score, ok.passed, ok.id) == (Verdict.AC, 1.0, 1, "b")
    assert [t.index for t in ok.tests] == [0] and ok.tests[0].stdout == "4\n"
    assert ok.message == ""  # the job's message was about another member's test


def test_a_compile_error_is_every_members_and_a_missing_test_is_a_judge_error():
    ce = merged(Verdict.CE, [], message="compilation failed")
    assert member_result(ce, 3, "m").verdict is Verdict.CE
    assert member_result(ce, 3, "m").compile.output == "err"  # type: ignore[union-attr]
    se = merged(Verdict.SE, [TestResult(index=0, verdict=Verdict.AC)], message="worker lost")
    assert member_result(se, 0, "").verdict is Verdict.AC  # its own test did run
    lost = member_result(se, 1, "")
    assert lost.verdict is Verdict.SE and lost.message == "worker lost" and lost.passed == 0
    skipped = merged(
        Verdict.WA, [TestResult(index=0, verdict=Verdict.WA), TestResult(index=1, verdict=Verdict.SK)]
    )
    assert member_result(skipped, 1, "").verdict is Verdict.SE  # never an SK read as a score


def test_program_key_separates_callers_and_programs_but_not_tests():
    def sub(source: str, stdin: str) -> Submission:
        return Submission(language="python3", source=source, tests=[{"input": stdin}])

    a1, a2, b = sub("print(1)", "1"), sub("print(1)", "2"), sub("print(2)", "1")
    assert program_key(a1, "k1") == program_key(a2, "k1")
    assert program_key(a1, "k1") != program_key(a1, "k2")
    assert program_key(a1, None) != program_key(a1, "k1")
    assert program_key(a1, "k1") != program_key(b, "k1")
    limited = a1.model_copy(update={"limits": a1.limits.model_copy(update={"time_s": 1})})
    assert program_key(limited, "k1") != program_key(a1, "k1")


def test_a_batch_merges_items_of_one_program_and_keeps_the_rest_apart():
    from xcoder_judge.service.api.coalesce import merge_same_program

    def sub(source: str, stdin: str, **extra: object) -> Submission:
        return Submission(language="python3", source=source, tests=[{"input": stdin}], **extra)

    items = [
        sub("print(1)", "a"),
        sub("print(2)", "b"),
        sub("print(1)", "c"),
        sub("print(1)", "d", id="own-id"),  # an id of its own: never merged
        sub("print(1)", "e"),
        sub("print(1)", "f", stop_on_first_failure=True),  # another program key
    ]
    merged_ = merge_same_program(items, "tenant", max_tests=2)
    inputs = [[t.input for t in s.tests] for s in merged_.submissions]
    assert inputs == [["a", "c"], ["b"], ["d"], ["e"], ["f"]]  # "e" opens a second job: max 2
    assert merged_.place == [(0, 0), (1, 0), (0, 1), (2, 0), (3, 0), (4, 0)]
    assert merged_.submissions[0].stop_on_first_failure is False  # one item never stops another's
    assert merged_.submissions[2].id == "own-id"
    # every item's own test sits where its place says
    for item, (at, index) in zip(items, merged_.place, strict=True):
        assert merged_.submissions[at].tests[index].input == item.tests[0].input
