"""Decontamination by word n-gram overlap against evaluation problems."""

from __future__ import annotations

import json

import pytest
from xcoder_synth.decontam import build_index, ngrams
from xcoder_synth.errors import ConfigError
from xcoder_synth.pipeline.config import load_config
from xcoder_synth.pipeline.runner import open_run, run_local, select_stages
from xcoder_synth.tasks.models import TaskRecord

from .conftest import FIXTURES, run_config, write_config

LCB = "Takahashi has a string S consisting of lowercase English letters. Print the number of distinct characters in S that appear exactly once."


def test_ngrams_ignore_case_and_punctuation():
    assert ngrams("A b, C d!", 3) == ngrams("a B c D", 3)
    assert len(ngrams("one two three four", 3)) == 2
    assert ngrams("too short", 3) == set()


def test_overlap_finds_a_paraphrase_with_copied_passages():
    index = build_index(FIXTURES / "eval_problems.jsonl", 8)
    copied = "# Unique Letters\n\n" + LCB + " Output a single integer."
    fresh = "Given n lanterns with brightness values count pairs whose sum is a multiple of k in the festival row."
    hit = index.overlap(copied)
    assert hit.eval_id == "lcb-1002" and hit.ratio > 0.5
    assert index.overlap(fresh).ratio == 0.0


def test_bad_evaluation_file_is_a_config_error(tmp_path):
    bad = tmp_path / "eval.jsonl"
    bad.write_text(json.dumps({"id": 1, "title": "no text"}) + "\n")
    with pytest.raises(ConfigError, match="no problem text"):
        build_index(bad, 8)


def test_decontam_stage_drops_contaminated_tasks_with_the_match(replay, tmp_path):
    # Evaluation set holding the Top-K Average statement almost verbatim.
    evals = [
        {
            "id": "lcb-topk",
            "question": "You are given N integers A_1, ..., A_N and an integer K. Take the K largest "
            "of them (equal values count separately) and print their average. N K A_1 A_2 ... A_N",
        },
        {"id": "lcb-other", "question": LCB},
    ]
    cfg = run_config(tmp_path, replay.url, eval_problems=evals)
    cfg["decontam"] = {"ngram": 8, "max_overlap": 0.1}
    config = load_config(write_config(tmp_path, cfg))
    store = open_run(config)
    run_local(store, config, select_stages(stop="decontam"), progress=False)
    kept = {t.title for t in store.read("decontam", TaskRecord)}
    assert kept == {"Lantern Row", "Balanced Window"}
    [rej] = list(store.rejections("decontam"))
    assert rej.reason == "contaminated" and rej.extra["eval_id"] == "lcb-topk" and rej.extra["ratio"] >= 0.1
