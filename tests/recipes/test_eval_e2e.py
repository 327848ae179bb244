"""The evaluation end to end: replayed completions (the only fake: the LLM) judged by the real judge.

The fixture's completions are hand-written programs with known outcomes (lcb_replay.jsonl lists
how many are correct per problem), so avg@k and pass@k have exact expected values.
"""

from __future__ import annotations

import json

import pytest

from eval import evaluate
from tests.recipes.replay_server import ReplayServer

K = 4


@pytest.fixture()
def replay(fixtures):
    entries = [json.loads(line) for line in (fixtures / "lcb_replay.jsonl").read_text().splitlines()]
    with ReplayServer(entries) as server:
        yield server, {e["question_id"]: e["correct"] for e in entries}


def run_eval(fixtures, out_dir, server, judge_url, *extra):
    return evaluate.main(
        [
            "--problems",
            str(fixtures / "lcb"),
            "--release",
            "release_v2",
            "--endpoint",
            server.url,
            "--model",
            "replay-model",
            "--k",
            str(K),
            "--n-per-request",
            "4",
            "--judge-url",
            judge_url,
            "--time-limit",
            "4",
            "--out-dir",
            str(out_dir),
            "--no-progress",
            "--retry-backoff",
            "0.05",
            *extra,
        ]
    )


def test_avg_and_pass_at_k_on_known_answers_through_the_real_judge(fixtures, tmp_path, replay, live_judge):
    server, correct = replay
    out = tmp_path / "v5"
    assert run_eval(fixtures, out, server, live_judge.url, "--window", "v5") == 0

    rep = json.loads((out / "report.json").read_text())
    per_problem = {p["question_id"]: p for p in rep["per_problem"]}
    # v5 window: the three problems dated 2024-08 .. 2025-01
    assert set(per_problem) == {"abc999_a", "9001", "2099C"}
    for qid, p in per_problem.items():
        assert (p["n"], p["c"], p["unscored"]) == (K, correct[qid], 0), qid

    overall = rep["overall"]
    assert overall["avg"] == pytest.approx((2 / 4 + 3 / 4 + 1 / 4) / 3)
    assert overall["pass@k"]["1"] == pytest.approx(overall["avg"])
    # pass@2 = 1 - C(n-c,2)/C(4,2): 5/6, 1, 1/2
    assert overall["pass@k"]["2"] == pytest.approx((5 / 6 + 1 + 1 / 2) / 3)
    assert overall["pass@k"]["4"] == pytest.approx(1.0)
    assert rep["by_difficulty"]["easy"]["avg"] == pytest.approx(0.5)
    assert rep["by_difficulty"]["medium"]["avg"] == pytest.approx(0.75)
    assert rep["by_difficulty"]["hard"]["avg"] == pytest.approx(0.25)
    assert set(rep["by_month"]) == {"2024-09", "2024-11", "2025-01"}

    judgements = [json.loads(line) for line in (out / "judgements.jsonl").read_text().splitlines()]
    by_key = {(j["question_id"], j["index"]): j for j in judgements}
    # no code in the answer: wrong without running anything
    assert by_key[("abc999_a", 3)]["extract"] == "no_code" and by_key[("abc999_a", 3)]["verdict"] is None
    # the draft inside <think> is not judged; the final program is
    assert by_key[("abc999_a", 1)]["correct"] is True
    assert by_key[("abc999_a", 2)]["verdict"] == "WA"
    assert by_key[("9001", 3)]["verdict"] == "RE"
    # passes the public sample, fails a compressed private test
    assert by_key[("2099C", 1)]["verdict"] == "WA"
    assert "| **overall** | 3 | 50.0 |" in (out / "report.md").read_text()

    # every request asked for the model, k samples at once, and the LCB-style prompt
    assert {r["model"] for r in server.requests} == {"replay-model"}
    assert sorted(r["n"] for r in server.requests) == [K] * 3
    assert all(r["messages"][0]["role"] == "system" for r in server.requests)


def test_rerun_resumes_without_resampling_or_rejudging(fixtures, tmp_path, replay, live_judge):
    server, _ = replay
    out = tmp_path / "all"
    assert run_eval(fixtures, out, server, live_judge.url) == 0
    first = json.loads((out / "report.json").read_text())
    requests, judged_lines = len(server.requests), len((out / "judgements.jsonl").read_text().splitlines())
    assert first["overall"]["avg"] == pytest.approx((2 / 4 + 3 / 4 + 1 / 4 + 4 / 4) / 4)

    # an interrupted write leaves a torn last line: it is dropped and redone
    samples = out / "samples.jsonl"
    lines = samples.read_text().splitlines(keepends=True)
    samples.write_text("".join(lines[:-1]) + lines[-1][:20])
    assert run_eval(fixtures, out, server, live_judge.url) == 0
    assert len(server.requests) == requests + 1  # only the torn sample was asked for again
    assert len(samples.read_text().splitlines()) == len(lines)
    assert len((out / "judgements.jsonl").read_text().splitlines()) == judged_lines  # nothing re-judged
    assert json.loads((out / "report.json").read_text())["overall"] == first["overall"]


def test_endpoint_errors_are_retried_then_reported(fixtures, tmp_path, replay, live_judge, capsys):
    server, _ = replay
    server.fail_first = 2  # two 503s, then answers
    out = tmp_path / "retry"
    assert run_eval(fixtures, out, server, live_judge.url, "--window", "v6", "--stages", "sample") == 0
    assert len((out / "samples.jsonl").read_text().splitlines()) == K

    server.fail_first = 10**6  # the endpoint never recovers
    out2 = tmp_path / "down"
    rc = run_eval(
        fixtures, out2, server, live_judge.url, "--window", "v6", "--stages", "sample", "--max-retries", "2"
    )
    assert rc == 1
    assert "answered HTTP 503" in capsys.readouterr().err


def test_without_the_prelude_an_answer_relying_on_leetcode_imports_fails(
    fixtures, tmp_path, replay, live_judge
):
    server, _ = replay
    out = tmp_path / "raw"
    assert run_eval(fixtures, out, server, live_judge.url, "--platform", "leetcode", "--no-prelude") == 0
    judgements = {j["index"]: j for j in map(json.loads, (out / "judgements.jsonl").read_text().splitlines())}
    # completion 0 annotates with `List` without importing it: fine on LeetCode and in LCB's grader
    assert judgements[0]["verdict"] == "RE"
    rep = json.loads((out / "report.json").read_text())
    assert [(p["question_id"], p["c"]) for p in rep["per_problem"]] == [("9001", 2)]
    assert rep["prelude"] is False
