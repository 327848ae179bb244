"""SynthCollector's families: every group, in scrape order, with the snapshot's numbers (no run needed)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry
from xcoder_synth.meters import LATENCY_BUCKETS_S
from xcoder_synth.service.metrics import Snapshot, SynthCollector

HIST = {"buckets": list(LATENCY_BUCKETS_S), "counts": [1] * (len(LATENCY_BUCKETS_S) + 1), "sum_s": 2.0}


def _snapshot() -> Snapshot:
    s = Snapshot()
    s.runs[("cli", "complete")] = 2
    s.unreadable_runs = 1
    s.items["write"], s.items["extract"] = 5, 9
    s.dropped[("verify", "no_consensus")] = 3
    for name, n in (("requests", 4), ("cached", 1), ("prompt_tokens", 40), ("cached_completion_tokens", 7)):
        s.llm[("write", "default", name)] = n
    s.llm_latency[("write", "default")].add(HIST)
    s.judge[("verify", "calls")] = 2
    s.judge_latency["verify"].add(HIST)
    return s


def test_families_in_scrape_order_with_the_snapshots_numbers() -> None:
    registry = CollectorRegistry()
    registry.register(SynthCollector(_snapshot()))
    names = [fam.name for fam in registry.collect()]
    assert names == [
        "xcoder_synth_runs",
        "xcoder_synth_unreadable_runs",
        "xcoder_synth_stage_shards",
        "xcoder_synth_stage_items",
        "xcoder_synth_stage_records",
        "xcoder_synth_stage_seconds",
        "xcoder_synth_stage_dropped",
        "xcoder_synth_llm_requests",
        "xcoder_synth_llm_tokens",
        "xcoder_synth_llm_retries",
        "xcoder_synth_llm_failures",
        "xcoder_synth_llm_request_seconds",
        "xcoder_synth_judge_calls",
        "xcoder_synth_judge_failures",
        "xcoder_synth_judge_submissions",
        "xcoder_synth_judge_call_seconds",
    ]
    value = registry.get_sample_value
    assert value("xcoder_synth_runs", {"via": "cli", "state": "complete"}) == 2
    assert value("xcoder_synth_unreadable_runs") == 1
    items = next(fam for fam in registry.collect() if fam.name == "xcoder_synth_stage_items")
    assert [s.labels["stage"] for s in items.samples] == ["extract", "write"]  # pipeline order
    assert value("xcoder_synth_stage_dropped_total", {"stage": "verify", "reason": "no_consensus"}) == 3
    lab = {"stage": "write", "endpoint": "default"}
    assert value("xcoder_synth_llm_requests_total", {**lab, "cached": "false"}) == 4
    assert value("xcoder_synth_llm_requests_total", {**lab, "cached": "true"}) == 1
    assert value("xcoder_synth_llm_tokens_total", {**lab, "kind": "prompt", "cached": "false"}) == 40
    assert value("xcoder_synth_llm_tokens_total", {**lab, "kind": "completion", "cached": "true"}) == 7
    assert value("xcoder_synth_llm_request_seconds_count", lab) == len(LATENCY_BUCKETS_S) + 1
    assert value("xcoder_synth_judge_calls_total", {"stage": "verify"}) == 2
    assert value("xcoder_synth_judge_call_seconds_sum", {"stage": "verify"}) == 2.0
