"""SFT rejection sampling (`xcoder-client filter`) against a live judge, including resumption."""

from __future__ import annotations

import json

import pytest
from xcoder_client import JudgeClient, JudgeUnavailable
from xcoder_client.cli import EXIT_JUDGE, main
from xcoder_client.filter import FilterOptions, RejectionSampler, ResumeError

from clients.tests.programs import ADD, ADD_TESTS, WRONG_ADD, closed_port_url, fenced

TWO_SUM_ROW = {
    "public_test_cases": json.dumps([{"input": "[2,7]\n9", "output": "[0, 1]", "testtype": "functional"}]),
    "metadata": json.dumps({"func_name": "twoSum"}),
}
TWO_SUM = "class Solution:\n    def twoSum(self, nums, target):\n        return [0, 1]\n"


def records():
    rows = [
        {
            "id": "add",
            "query": "Add two numbers.",
            "responses": [fenced(ADD), fenced(WRONG_ADD), "no code"],
            "tests": json.dumps(ADD_TESTS),
        },
        {
            "id": "two-sum",
            "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Two sum."}],
            "response": fenced(TWO_SUM),
            **TWO_SUM_ROW,
        },
        {"id": "none-pass", "query": "Add.", "responses": [fenced(WRONG_ADD)], "tests": ADD_TESTS},
        {"id": "broken", "query": "?", "responses": ["x"], "tests": "not json"},
        {
            "id": "add-2",
            "prompt": "Add again.",
            "response": fenced(ADD),
            "input_output": json.dumps(ADD_TESTS),
        },
    ]
    return rows


def write_input(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows) + "\n")
    return path


def read_jsonl(path):
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def test_filter_cli_keeps_passing_responses_with_stats(live_judge, tmp_path):
    src = write_input(tmp_path / "cand.jsonl", records())
    out, stats_path, rejected = tmp_path / "sft.jsonl", tmp_path / "stats.json", tmp_path / "rej.jsonl"
    code = main(
        [
            "filter",
            "--input",
            str(src),
            "--output",
            str(out),
            "--stats",
            str(stats_path),
            "--rejected",
            str(rejected),
            "--judge-url",
            live_judge.url,
            "--no-progress",
            "--chunk-records",
            "2",
        ]
    )
    assert code == 0
    assert read_jsonl(out) == [
        {"query": "Add two numbers.", "response": fenced(ADD)},
        {"system": "Be brief.", "query": "Two sum.", "response": fenced(TWO_SUM)},
        {"query": "Add again.", "response": fenced(ADD)},
    ]
    stats = json.loads(stats_path.read_text())
    assert {
        k: stats[k]
        for k in (
            "records",
            "candidates",
            "passed",
            "failed",
            "no_code",
            "unscored",
            "kept",
            "bad_records",
            "tasks_with_pass",
        )
    } == {
        "records": 5,
        "candidates": 6,
        "passed": 3,
        "failed": 3,
        "no_code": 1,
        "unscored": 0,
        "kept": 3,
        "bad_records": 1,
        "tasks_with_pass": 3,
    }
    assert stats["verdicts"] == {"AC": 3, "WA": 2, "no_code": 1}
    assert len(read_jsonl(rejected)) == 4  # two wrong answers, one without code, one bad record


def test_filter_messages_format(live_judge, tmp_path):
    src = write_input(tmp_path / "cand.jsonl", records()[1:2])
    out = tmp_path / "sft.jsonl"
    assert (
        main(
            [
                "filter",
                "--input",
                str(src),
                "--output",
                str(out),
                "--format",
                "messages",
                "--judge-url",
                live_judge.url,
                "--no-progress",
            ]
        )
        == 0
    )
    assert read_jsonl(out) == [
        {
            "messages": [
                {"role": "system", "content": "Be brief."},
                {"role": "user", "content": "Two sum."},
                {"role": "assistant", "content": fenced(TWO_SUM)},
            ]
        }
    ]


class FailingAfter:
    """A real client that stops working after `calls` judge calls, like a judge going down mid-run."""

    def __init__(self, client: JudgeClient, calls: int) -> None:
        self.client, self.calls = client, calls

    def judge(self, submissions, **kw):
        if self.calls == 0:
            raise JudgeUnavailable("judge went away")
        self.calls -= 1
        return self.client.judge(submissions, **kw)


def test_filter_resumes_after_interruption_with_identical_output(live_judge, tmp_path):
    rows = records() * 3
    src = write_input(tmp_path / "cand.jsonl", rows)
    options = FilterOptions(chunk_records=2)
    with JudgeClient(live_judge.url) as client:
        reference = tmp_path / "ref.jsonl"
        ref_stats = RejectionSampler(client, options).run(src, reference, show_progress=False)

        out = tmp_path / "sft.jsonl"
        with pytest.raises(JudgeUnavailable):
            RejectionSampler(FailingAfter(client, 3), options).run(src, out, show_progress=False)
        state = json.loads((tmp_path / "sft.jsonl.state.json").read_text())
        assert state["complete"] is False and state["stats"]["records"] == 6
        with open(out, "a") as f:  # a half-written line after the last checkpoint
            f.write('{"query": "partial')

        stats = RejectionSampler(client, options).run(src, out, show_progress=False)
    assert out.read_text() == reference.read_text()
    assert stats.as_dict() == ref_stats.as_dict()
    # A finished run is not redone.
    assert RejectionSampler(FailingAfter(None, 0), options).run(src, out, show_progress=False).records == len(
        rows
    )


def test_filter_refuses_to_mix_runs(live_judge, tmp_path):
    src = write_input(tmp_path / "cand.jsonl", records())
    out = tmp_path / "sft.jsonl"
    with JudgeClient(live_judge.url) as client:
        RejectionSampler(client, FilterOptions(chunk_records=2)).run(src, out, show_progress=False)
        with pytest.raises(ResumeError, match="options differs"):
            RejectionSampler(client, FilterOptions(chunk_records=2, min_pass_rate=0.5)).run(
                src, out, show_progress=False
            )
        stats = RejectionSampler(client, FilterOptions(min_pass_rate=0.25)).run(
            src, out, restart=True, show_progress=False
        )
    assert stats.passed == 5  # WRONG_ADD passes 1 of 4 tests ("0 0" → 0): enough at 0.25


def test_filter_cli_exits_resumable_when_the_judge_is_down(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("XCODER_CLIENT_MAX_RETRIES", "0")
    src = write_input(tmp_path / "cand.jsonl", records())
    out = tmp_path / "sft.jsonl"
    code = main(
        [
            "filter",
            "--input",
            str(src),
            "--output",
            str(out),
            "--judge-url",
            closed_port_url(),
            "--no-progress",
        ]
    )
    assert code == EXIT_JUDGE
    assert "Rerun the same command to resume" in capsys.readouterr().err
    assert out.read_text() == ""
