"""Crash-safe JSONL and the run store: torn tails, duplicates, shard bookkeeping."""

from __future__ import annotations

import pytest
from xcoder_synth.errors import StoreError
from xcoder_synth.ids import shard_of, stable_id
from xcoder_synth.jsonl import JsonlWriter, read_jsonl, repair_tail
from xcoder_synth.pipeline.runner import check_ready, redo, select_stages
from xcoder_synth.pipeline.store import RunStore


def test_torn_tail_is_skipped_and_repaired(tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_bytes(b'{"id": "a"}\n{"id": "b"}\n{"id": "c", "tr')
    assert [r["id"] for r in read_jsonl(path)] == ["a", "b"]
    repair_tail(path)
    assert path.read_bytes() == b'{"id": "a"}\n{"id": "b"}\n'
    with JsonlWriter(path) as w:
        w.write({"id": "d"})
    assert [r["id"] for r in read_jsonl(path)] == ["a", "b", "d"]


def test_writer_repairs_before_appending(tmp_path):
    path = tmp_path / "y.jsonl"
    path.write_bytes(b'{"id": "a"}\n{"id"')
    with JsonlWriter(path) as w:
        w.write({"id": "b"})
    assert [r["id"] for r in read_jsonl(path)] == ["a", "b"]


def test_records_are_deduplicated_across_shards(tmp_path):
    store = RunStore(tmp_path)
    d = store.stage_dir("write")
    d.mkdir(parents=True)
    (d / "part-00000.jsonl").write_text('{"id": "t1", "v": 1}\n{"id": "t2", "v": 2}\n')
    (d / "part-00001.jsonl").write_text('{"id": "t1", "v": 3}\n')
    assert [(r["id"], r["v"]) for r in store.records("write")] == [("t1", 1), ("t2", 2)]


def test_shard_count_is_fixed_by_the_first_start(tmp_path):
    store = RunStore(tmp_path)
    assert store.n_shards("solve", 4) == 4
    assert store.n_shards("solve", 8) == 4
    assert not store.stage_complete("solve")
    for s in range(4):
        store.mark_done("solve", s, {"shard": s})
    assert store.stage_complete("solve") and store.done_shards("solve") == 4


def test_ids_and_shards_are_stable():
    assert stable_id("task", "cfg", "codeforces") == stable_id("task", "cfg", "codeforces")
    assert stable_id("task", "cfg", "codeforces") != stable_id("task", "cfg", "atcoder")
    assert shard_of("abc", 7) == shard_of("abc", 7) and 0 <= shard_of("abc", 7) < 7


def test_stage_selection_and_readiness(tmp_path):
    assert select_stages(start="solve", stop="inputs") == ["solve", "testgen", "inputs"]
    assert select_stages(["verify", "extract"]) == ["extract", "verify"]
    with pytest.raises(Exception, match="unknown stage"):
        select_stages(["nope"])
    store = RunStore(tmp_path)
    with pytest.raises(StoreError, match="needs stage 'write'"):
        check_ready(store, "decontam")
    store.n_shards("verify", 1)
    store.mark_done("verify", 0, {})
    assert redo(store, "verify") == ["verify", "export"]
    assert not store.stage_dir("verify").exists()
