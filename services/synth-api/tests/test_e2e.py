"""End to end: seeds → features → tasks → candidates → tests → dual verification → SFT, RL, report.

The LLM is the replay server; every program runs in the live judge. The RL rows are then scored
by the clients' own verl reward (``xcoder_client.verl.compute_score``): the golden solution must
score 1, a wrong candidate less.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pyarrow.parquet as pq
import pytest
from xcoder_client.testcases import parse_tests
from xcoder_client.verl import compute_score
from xcoder_synth.export.report import RunReport
from xcoder_synth.pipeline.runner import load_run, run_status
from xcoder_synth.solutions.sample import CandidateSet
from xcoder_synth.testgen.models import InputSet
from xcoder_synth.verify.dual import VerifiedTask

from .conftest import run_config, write_config


@pytest.fixture(scope="module")
def finished_run(live_judge, recordings, tmp_path_factory):
    from xcoder_synth.testing.replay import ReplayServer

    tmp = tmp_path_factory.mktemp("e2e")
    with ReplayServer(recordings) as replay:
        # With the embedding check on: the three fixture tasks are far from each other and from
        # the evaluation problems (cosine < 0.5), so none may be dropped.
        decontam = {"near_duplicates": {"enabled": True}}
        # Under a data directory's runs/ (the CLI's default place), where synth-api's /metrics reads.
        out = tmp / "data" / "runs" / "fixture-run"
        cfg = run_config(tmp, replay.url, live_judge.url, decontam=decontam, output_dir=str(out))
        cfg = write_config(tmp, cfg)
        done = subprocess.run(
            [sys.executable, "-m", "xcoder_synth.cli", "run", str(cfg), "--no-progress"],
            capture_output=True,
            text=True,
            timeout=900,
        )
    assert done.returncode == 0, done.stderr[-3000:]
    store, config = load_run(out)
    return store, config, live_judge


def test_every_stage_completes_and_all_three_styles_verify(finished_run):
    store, _, _ = finished_run
    status = {s.name: s for s in run_status(store)}
    assert all(s.complete for s in status.values())
    verified = {v.task.title: v for v in store.read("verify", VerifiedTask)}
    assert set(verified) == {"Lantern Row", "Balanced Window", "Top-K Average"}
    for v in verified.values():
        assert len(v.tests) >= 5 and {t.split for t in v.tests} == {"selection", "holdout"}
        assert all(d.reason for d in v.decisions)  # every test decision says why
        # The brute-force oracle ran on the small inputs (generator `small` mode among them).
        assert v.oracle == "used" and any(d.oracle == "agrees" for d in v.decisions)
        assert "small" in {t.source for t in v.tests}
    lantern = verified["Lantern Row"]
    dropped = {d.reason for d in store.by_id("inputs", InputSet)[lantern.id].decisions}
    assert "invalid" in dropped  # the "0 3" prompted input broke the constraints
    assert verified["Top-K Average"].task.checker.kind == "floats"


def test_golden_solutions_are_correct_candidates(finished_run):
    store, _, _ = finished_run
    pools = store.by_id("solve", CandidateSet)
    for v in store.read("verify", VerifiedTask):
        golden = next(c for c in pools[v.id].candidates if c.id == v.golden_candidate_id)
        outcomes = {o.candidate_id: o for o in v.candidates}
        correct = next(c for c in pools[v.id].candidates if c.sample == 0)  # correct in every pool
        # Not chosen by position: any program that behaves as sample 0 does on every input.
        assert outcomes[golden.id].behaviour == outcomes[correct.id].behaviour is not None
        wrong_sample = {"Lantern Row": 3, "Balanced Window": 3, "Top-K Average": 3}[v.task.title]
        wrong = next(c for c in pools[v.id].candidates if c.sample == wrong_sample)
        assert not next(o for o in v.candidates if o.candidate_id == wrong.id).passed_all


def test_sft_files(finished_run):
    store, _, _ = finished_run
    art = store.artifacts
    rows = [json.loads(line) for line in (art / "sft.jsonl").read_text().splitlines()]
    messages = [json.loads(line) for line in (art / "sft_messages.jsonl").read_text().splitlines()]
    qr = [json.loads(line) for line in (art / "sft_query_response.jsonl").read_text().splitlines()]
    assert len(rows) == len(messages) == len(qr) > 3
    for row, m, q in zip(rows, messages, qr, strict=True):
        assert m["messages"] == [
            {"role": "user", "content": q["query"]},
            {"role": "assistant", "content": q["response"]},
        ]
        assert "```python" in row["response"]
        meta = row["meta"]
        assert (
            meta["model"] == "replay-model"
            and meta["prompt"] == "solutions.solve@1"
            and "temperature" in meta["sampling"]
        )
    assert sum(1 for r in rows if r["meta"]["golden"]) == 3
    # Only verified responses: the wrong Lantern Row candidate (sample 3) is not among them.
    assert not any("print(total // 2)" in r["response"] for r in rows)


def test_rl_parquet_in_verl_schema_scores_the_golden_solution(finished_run):
    store, config, live_judge = finished_run
    rows = pq.read_table(store.artifacts / "rl.parquet").to_pylist()
    assert len(rows) == 3
    pools = store.by_id("solve", CandidateSet)
    pass_rates = [r["extra_info"]["pass_rate"] for r in rows]
    assert pass_rates == sorted(pass_rates, reverse=True)  # easiest first
    for row in rows:
        assert row["data_source"] == config.export.data_source and row["ability"] == "code"
        assert row["prompt"][0]["role"] == "user" and row["reward_model"]["style"] == "rule"
        info = row["extra_info"]
        suite = parse_tests(row["reward_model"]["ground_truth"])
        assert len(suite.tests) == info["n_tests"]
        assert suite.fn_name == info["fn_name"]
        prov = json.loads(info["provenance"])
        assert prov["write"]["prompt_version"] == "1" and prov["golden"]["prompt_id"] == "solutions.solve"
        golden_sample = next(
            c.sample for c in pools[info["task_id"]].candidates if c.id == info["golden_candidate_id"]
        )
        assert (
            prov["golden"]["model"] == "replay-model" and prov["golden"]["sampling"]["seed"] == golden_sample
        )
        assert prov["tests.generator"]["prompt_id"] == "testgen.generator"
        pool = {c.sample: c for c in pools[info["task_id"]].candidates}
        kwargs = {"judge_url": live_judge.url, "max_tests": None}
        golden = compute_score(
            row["data_source"], pool[0].response, row["reward_model"]["ground_truth"], info, **kwargs
        )
        assert golden["score"] == 1.0
        wrong = compute_score(
            row["data_source"], pool[3].response, row["reward_model"]["ground_truth"], info, **kwargs
        )
        assert wrong["score"] < 1.0
    call = next(r for r in rows if r["extra_info"]["style"] == "leetcode")
    assert parse_tests(call["reward_model"]["ground_truth"]).tests[0].kind == "call"


def test_swift_grpo_rows_score_the_golden_solution_through_the_swift_reward(finished_run, monkeypatch):
    """swift_grpo.jsonl: messages + flat columns, read by the ms-swift plugin's reward (float checker kept)."""
    import asyncio

    from xcoder_client.settings import get_settings
    from xcoder_client.swift_orm import XCoderJudgeReward

    store, _, live_judge = finished_run
    lines = (store.artifacts / "swift_grpo.jsonl").read_text().splitlines()
    rows = [json.loads(line) for line in lines]
    assert [r["task_id"] for r in rows] == [
        r["extra_info"]["task_id"] for r in pq.read_table(store.artifacts / "rl.parquet").to_pylist()
    ]
    assert all(r["messages"][-1]["role"] == "user" and "prompt" not in r for r in rows)
    floats = [r for r in rows if json.loads(r["checker"])["kind"] == "floats"]
    assert len(floats) == 1  # Top-K Average keeps its tolerance
    monkeypatch.setenv("XCODER_CLIENT_JUDGE_URL", live_judge.url)
    monkeypatch.setenv("XCODER_CLIENT_MAX_TESTS", "100")
    pools = store.by_id("solve", CandidateSet)
    golden = [next(c for c in pools[r["task_id"]].candidates if c.sample == 0).response for r in rows]
    columns = {k: [r.get(k) for r in rows] for k in ("tests", "task_id", "checker")}
    get_settings.cache_clear()  # the client reads XCODER_CLIENT_* once per process
    try:
        assert asyncio.run(XCoderJudgeReward()(golden, **columns)) == [1.0] * len(rows)
    finally:
        get_settings.cache_clear()


def test_report(finished_run):
    store, _, _ = finished_run
    report = RunReport.model_validate_json((store.artifacts / "report" / "report.json").read_text())
    assert report.tasks_written == 3 and report.tasks_verified == 3 and report.rl_rows == 3
    assert sum(report.agreement_histogram) >= report.tests_kept > 0
    assert report.styles == {s: {"written": 1, "verified": 1} for s in ("atcoder", "codeforces", "leetcode")}
    assert report.candidate_rejects["truncated"] == 1 and report.candidate_rejects["syntax_error"] == 1
    assert report.candidate_rejects["duplicate"] == 1
    extract = next(s for s in report.stages if s.stage == "extract")
    assert extract.dropped == {"parse_no_json": 1} and extract.usage["default"]["requests"] >= 6
    assert report.decontam["checked"] == 3 and report.decontam["dropped"] == 0
    assert report.decontam["settings"]["ngram"] == 13 and report.decontam["settings"]["max_overlap"] == 0.1
    assert report.decontam["settings"]["near_duplicates"]["enabled"] is True
    assert report.decontam["matches"] == [] and report.decontam["dropped_by_reason"] == {}
    lines = {s.stage: s for s in report.stages}
    assert "export" not in lines  # the report is export's output: no line with counts not yet known
    assert lines["write"].tokens > 0 and lines["write"].seconds > 0 and lines["verify"].seconds > 0
    assert lines["verify"].tokens == 0  # the judge, not the model
    assert [t.status for t in report.tasks] == ["verified"] * 3
    assert all(t.tests_kept >= 5 and t.golden_pass_rate is not None and t.features for t in report.tasks)
    html = (store.artifacts / "report" / "report.html").read_text()
    assert html.count("data:image/png;base64,") == 5 and 'src="http' not in html
    assert "<h2>Tasks</h2>" in html and "Settings: ngram = 13" in html
    for png in ("funnel", "agreement", "pass_rate", "styles", "categories"):
        assert (store.artifacts / "report" / f"{png}.png").read_bytes()[:4] == b"\x89PNG"


def test_the_html_report_in_headless_chromium(finished_run, tmp_path):
    """The report as a browser renders it, offline: per-stage wall time and LLM tokens, the
    per-task table, the decontamination settings (the near-duplicate matches: test_neardup)."""
    import re

    from xcoder_judge.testing_chromium import HeadlessChromium

    store, _, _ = finished_run
    report = RunReport.model_validate_json((store.artifacts / "report" / "report.json").read_text())
    page = store.artifacts / "report" / "report.html"
    browser = HeadlessChromium(tmp_path, window=(1280, 3000))
    dom = browser.dom(page)

    def table_after(heading: str) -> list[list[str]]:
        part = dom[dom.index(f"<h2>{heading}</h2>") :]
        table = part[: part.index("</table>")]
        return [re.findall(r"<t[dh]>([^<]*)</t[dh]>", row) for row in re.findall(r"<tr>(.*?)</tr>", table)]

    stages = table_after("Stages")
    assert stages[0][:6] == [
        "stage",
        "items in",
        "records out",
        "dropped (reason: count)",
        "seconds",
        "LLM tokens",
    ]
    shown = {row[0]: row for row in stages[1:]}
    for line in report.stages:
        assert shown[line.stage][4] == str(line.seconds) and shown[line.stage][5] == str(line.tokens)
    assert float(shown["write"][4]) > 0 and int(shown["write"][5]) > 0 and shown["verify"][5] == "0"

    tasks = table_after("Tasks")
    assert tasks[0] == [
        "task",
        "title",
        "style",
        "features",
        "status",
        "drop reason",
        "tests kept",
        "golden pass rate",
    ]
    assert {r[1] for r in tasks[1:]} == {"Lantern Row", "Balanced Window", "Top-K Average"}
    for row, line in zip(tasks[1:], report.tasks, strict=True):
        assert row[4] == "verified" and int(row[6]) == line.tests_kept >= 5
        assert row[7] == f"{line.golden_pass_rate:.2f}" and row[2] == line.style

    decontam = dom[dom.index("<h2>Decontamination</h2>") :]
    assert "Settings: ngram = 13, max_overlap = 0.1, near_duplicates.enabled = True" in decontam
    assert "near_duplicates.threshold = 0.65" in decontam and "Checked 3 task(s); dropped 0" in decontam
    assert dom.count('src="data:image/png;base64,') == 5
    png = browser.screenshot(page, tmp_path / "report.png")
    assert png.startswith(b"\x89PNG") and len(png) > 50_000  # a blank page is a few KB


def test_synth_api_metrics_after_the_run(finished_run, redis_conn, monkeypatch):
    """/metrics sums the run's shard stats: runs, stage items and seconds, LLM tokens, requests
    and latency per stage and endpoint, judge calls."""
    from fastapi.testclient import TestClient
    from prometheus_client.parser import text_string_to_metric_families
    from xcoder_synth.service.app import create_app
    from xcoder_synth.settings import get_settings

    store, _, _ = finished_run
    monkeypatch.setenv("XCODER_SYNTH_DATA_DIR", str(store.root.parent.parent))
    get_settings.cache_clear()
    with TestClient(create_app()) as client:
        r = client.get("/metrics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    got: dict[tuple[str, frozenset], float] = {}
    for fam in text_string_to_metric_families(r.text):
        for smp in fam.samples:
            got[(smp.name, frozenset(smp.labels.items()))] = smp.value

    def value(name: str, **labels: str) -> float:
        return got.get((name, frozenset(labels.items())), 0.0)

    assert value("xcoder_synth_runs", via="cli", state="complete") == 1
    report = RunReport.model_validate_json((store.artifacts / "report" / "report.json").read_text())
    for line in report.stages:
        assert value("xcoder_synth_stage_items_total", stage=line.stage) == line.items
        assert value("xcoder_synth_stage_records_total", stage=line.stage) == line.records
        assert abs(value("xcoder_synth_stage_seconds_total", stage=line.stage) - line.seconds) < 0.05
        for reason, n in line.dropped.items():
            assert value("xcoder_synth_stage_dropped_total", stage=line.stage, reason=reason) == n
        for endpoint, u in line.usage.items():
            lab = {"stage": line.stage, "endpoint": endpoint}
            assert value("xcoder_synth_llm_requests_total", **lab, cached="false") == u["requests"]
            assert (
                value("xcoder_synth_llm_tokens_total", **lab, kind="prompt", cached="false")
                == u["prompt_tokens"]
            )
            assert (
                value("xcoder_synth_llm_tokens_total", **lab, kind="completion", cached="false")
                == u["completion_tokens"]
            )
            # One latency observation per answered request, and the +Inf bucket holds them all.
            assert value("xcoder_synth_llm_request_seconds_count", **lab) == u["requests"]
            assert value("xcoder_synth_llm_request_seconds_bucket", **lab, le="+Inf") == u["requests"]
    assert value("xcoder_synth_stage_dropped_total", stage="extract", reason="parse_no_json") == 1
    assert (
        value(
            "xcoder_synth_llm_tokens_total",
            stage="write",
            endpoint="default",
            kind="completion",
            cached="false",
        )
        > 0
    )
    assert value("xcoder_synth_llm_request_seconds_sum", stage="write", endpoint="default") > 0
    for stage in ("inputs", "verify"):  # generators and validators, then the candidates: in the judge
        calls = value("xcoder_synth_judge_calls_total", stage=stage)
        assert calls > 0 and value("xcoder_synth_judge_submissions_total", stage=stage) >= calls
        assert value("xcoder_synth_judge_call_seconds_count", stage=stage) == calls
        assert value("xcoder_synth_judge_failures_total", stage=stage) == 0
    assert value("xcoder_synth_judge_calls_total", stage="write") == 0  # the model, not the judge
    get_settings.cache_clear()
