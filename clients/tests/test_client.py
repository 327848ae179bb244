"""Client behaviour against a scripted judge (MockTransport), run through both twins.

These pin the protocol logic: ordering under out-of-order completion, bounded retries,
429/5xx/network handling, SE resubmission, deadlines and the unscored policy.
Live-judge tests of the same client are in test_live_client.py.
"""

from __future__ import annotations

import pytest
from xcoder_client import (
    JudgeAuthError,
    JudgeOverloaded,
    JudgeProtocolError,
    JudgeRequestError,
    JudgeServerError,
    JudgeTimeout,
    JudgeTransportError,
    Verdict,
)

from clients.tests.mockjudge import MockJudge, submission


def test_results_follow_submission_order_when_jobs_finish_out_of_order(judge_call):
    judge = MockJudge(polls_to_finish=1, finish_in_reverse=True)
    markers = ["AC", "WA", "pass=1", "TLE", "AC", "RE", "pass=2", "CE"]
    subs = [submission(m, n_tests=3, body=f"print({i})") for i, m in enumerate(markers)]
    results = judge_call(judge.transport, subs)
    assert [r.verdict.value for r in results] == ["AC", "WA", "WA", "TLE", "AC", "RE", "WA", "CE"]
    assert [r.passed for r in results] == [3, 0, 1, 0, 3, 0, 2, 0]
    assert judge.count("/v1/submissions/lookup") >= len(subs)  # really completed one by one, reversed


def test_results_are_matched_by_id_even_if_the_answer_is_reordered(judge_call):
    judge = MockJudge(shuffle_answer=True)
    subs = [submission("AC", body="a=1"), submission("WA", body="a=2"), submission("pass=1", body="a=3")]
    results = judge_call(judge.transport, subs)
    assert [r.verdict for r in results] == [Verdict.AC, Verdict.WA, Verdict.WA]
    assert [r.passed for r in results] == [2, 0, 1]


def test_an_answer_naming_the_wrong_results_is_refused(judge_call):
    judge = MockJudge(swap_ids=True)
    with pytest.raises(JudgeProtocolError, match="carries the result of"):
        judge_call(judge.transport, [submission("AC", body="x=1"), submission("WA", body="x=2")])


def test_chunks_respect_chunk_size_and_keep_global_order(judge_call):
    judge = MockJudge()
    subs = [submission("AC" if i % 3 else "WA", body=f"print({i})") for i in range(23)]
    results = judge_call(judge.transport, subs, client_options={"chunk_size": 5, "max_concurrency": 3})
    assert judge.count("/v1/submissions/batch") == 5
    assert all(len(body["submissions"]) <= 5 for _, p, body in judge.requests if p.endswith("batch"))
    assert [r.verdict for r in results] == [Verdict.WA if i % 3 == 0 else Verdict.AC for i in range(23)]


def test_identical_submissions_are_judged_once_and_fanned_out(judge_call):
    judge = MockJudge()
    same = submission("pass=1")
    results = judge_call(judge.transport, [same, submission("AC", body="other"), same, same])
    assert len(judge.submitted_ids()) == 2
    assert [r.passed for r in results] == [1, 2, 1, 1]
    assert results[0].id == results[2].id == results[3].id != results[1].id  # one job judged all three


def test_caller_ids_are_kept(judge_call):
    judge = MockJudge()
    results = judge_call(judge.transport, [submission("AC", id="task-7.r0"), submission("WA", id="task-8")])
    assert [r.id for r in results] == ["task-7.r0", "task-8"]
    assert judge.submitted_ids() == ["task-7.r0", "task-8"]


def test_5xx_is_retried_a_bounded_number_of_times(judge_call):
    judge = MockJudge(script=[503] * 10)
    with pytest.raises(JudgeServerError) as err:
        judge_call(judge.transport, [submission()], client_options={"max_retries": 3})
    assert judge.count("/v1/submissions/batch") == 4  # 1 try + 3 retries
    assert err.value.status_code == 503 and err.value.attempts == 4


def test_transient_failures_are_retried_then_succeed(judge_call):
    judge = MockJudge(script=["connect", 502, 429, "read"])
    results = judge_call(judge.transport, [submission("WA")], client_options={"max_retries": 4})
    assert [r.verdict for r in results] == [Verdict.WA]
    assert judge.count("/v1/submissions/batch") == 5
    assert len(set(judge.submitted_ids())) == 1  # every retry reused the idempotency key


def test_network_errors_give_up_as_transport_error(judge_call):
    judge = MockJudge(script=["connect"] * 5)
    with pytest.raises(JudgeTransportError, match="ConnectError"):
        judge_call(judge.transport, [submission()], client_options={"max_retries": 2})
    assert judge.count("/v1/submissions/batch") == 3


def test_persistent_429_gives_up_as_overloaded(judge_call):
    judge = MockJudge(script=[429] * 5, retry_after="0")
    with pytest.raises(JudgeOverloaded):
        judge_call(judge.transport, [submission()], client_options={"max_retries": 1})
    assert judge.count("/v1/submissions/batch") == 2


@pytest.mark.parametrize("status", [400, 404, 413, 422])
def test_request_errors_are_not_retried(judge_call, status):
    judge = MockJudge(script=[status])
    with pytest.raises(JudgeRequestError) as err:
        judge_call(judge.transport, [submission()])
    assert err.value.status_code == status
    assert judge.count("/v1/submissions/batch") == 1


def test_401_is_an_auth_error(judge_call):
    judge = MockJudge(script=[401])
    with pytest.raises(JudgeAuthError, match="XCODER_CLIENT_API_KEY"):
        judge_call(judge.transport, [submission()])


def test_judge_down_with_unscored_policy_gives_se_results_not_wrong_answers(judge_call):
    judge = MockJudge(script=["connect"] * 20)
    results = judge_call(
        judge.transport,
        [submission("AC"), submission("WA", body="b")],
        on_error="unscored",
        client_options={"max_retries": 2},
    )
    assert [r.verdict for r in results] == [Verdict.SE, Verdict.SE]
    assert not any(r.scored for r in results)
    assert all("not judged" in r.message for r in results)


def test_se_results_are_resubmitted_under_a_fresh_id(judge_call):
    judge = MockJudge(se_times=2)
    results = judge_call(
        judge.transport, [submission("SE_ONCE", id="job-1")], client_options={"max_retries": 3}
    )
    assert results[0].verdict is Verdict.AC and results[0].id == "job-1"
    assert judge.submitted_ids() == ["job-1", "job-1.r1", "job-1.r2"]


def test_se_resubmission_is_bounded_and_the_result_stays_unscored(judge_call):
    judge = MockJudge(se_times=99)
    results = judge_call(judge.transport, [submission("SE_ONCE")], client_options={"max_retries": 2})
    assert results[0].verdict is Verdict.SE and not results[0].scored
    assert len(judge.submitted_ids()) == 3


def test_a_rejected_submission_is_final_and_never_resubmitted(judge_call):
    """Its checker does not compile: the same submission under a fresh id would fail the same way."""
    judge = MockJudge(polls_to_finish=1)
    results = judge_call(
        judge.transport, [submission("REJECTED", id="bad")], client_options={"max_retries": 3}
    )
    assert results[0].verdict is Verdict.SE and not results[0].scored
    assert results[0].rejection is not None and results[0].rejection.field == "checker"
    assert judge.submitted_ids() == ["bad"]


def test_lost_results_are_resubmitted(judge_call):
    judge = MockJudge(polls_to_finish=1, lose_results_once=True)
    results = judge_call(judge.transport, [submission("pass=1")])
    assert results[0].passed == 1
    assert judge.count("/v1/submissions/batch") == 2


def test_deadline_stops_polling(judge_call):
    judge = MockJudge(polls_to_finish=10**9)
    with pytest.raises(JudgeTimeout, match="unfinished"):
        judge_call(judge.transport, [submission()], timeout=0.3)


def test_empty_input_makes_no_request(judge_call):
    judge = MockJudge()
    assert judge_call(judge.transport, []) == []
    assert judge.requests == []


def test_requests_in_flight_are_bounded_across_concurrent_calls(fast_settings):
    import asyncio

    import httpx
    from xcoder_client import AsyncJudgeClient

    judge = MockJudge()
    in_flight, peak = 0, 0

    async def handler(request):
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0.01)
        in_flight -= 1
        return judge.handler(request)

    async def run():
        async with AsyncJudgeClient(
            transport=httpx.MockTransport(handler), settings=fast_settings, max_concurrency=2, chunk_size=1
        ) as client:
            calls = [[submission("AC", body=f"x={c}{i}") for i in range(3)] for c in range(2)]
            return await asyncio.gather(*(client.judge(subs) for subs in calls))

    results = asyncio.run(run())
    assert [len(r) for r in results] == [3, 3]
    assert peak == 2
