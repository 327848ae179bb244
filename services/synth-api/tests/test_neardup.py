"""Near-duplicate tasks with the real all-MiniLM-L6-v2 (loaded offline from its PyPI package).

The threshold's separation is measured on fixtures/near_duplicates.yaml (rewrites of one task vs
different tasks); the decontam stage drops near duplicates of evaluation problems and of earlier
tasks of the run, with reason codes, and the HTML report shows them as a browser renders it.
"""

from __future__ import annotations

import itertools
import re

import pytest
import yaml
from xcoder_judge.testing_chromium import HeadlessChromium
from xcoder_synth import neardup
from xcoder_synth.errors import ConfigError
from xcoder_synth.export.bundle import write_report
from xcoder_synth.jsonl import JsonlWriter
from xcoder_synth.neardup import Embedder, NearDupConfig, find_near_duplicates, windows
from xcoder_synth.pipeline.config import load_config
from xcoder_synth.pipeline.reads import StageReads
from xcoder_synth.pipeline.runner import open_run, run_local, run_stage_local, select_stages
from xcoder_synth.pipeline.stages import ExportStage
from xcoder_synth.tasks.models import TaskRecord

from .conftest import FIXTURES, run_config, write_config

PROBLEMS = yaml.safe_load((FIXTURES / "near_duplicates.yaml").read_text())["problems"]
BY_ID = {p["id"]: p for p in PROBLEMS}
THRESHOLD = NearDupConfig().threshold

# Top-K Average (a fixture task) told again in other words: no 13-gram in common with it.
TOPK_ELSEWHERE = (
    "There is a list of N whole numbers and a number K. Pick out the K biggest entries of the list "
    "(repeated numbers are separate entries) and output the mean of the picked entries. Input: N and K, "
    "then the N numbers. Output: that mean; an error up to 1e-6 is tolerated."
)
# Lantern Row (a fixture task) rewritten, as a second task of the same run.
LANTERN_AGAIN = """# Pier Lights

Along the pier of a harbour town hang n lanterns; lantern i shines with brightness a_i. Two distinct
lanterns make a matching pair if the sum of their brightness values is divisible by k. How many
matching pairs are there?

## Input

The first line holds n and k, the second line the brightness values a_1 ... a_n
(1 <= n <= 2*10^5, 1 <= k <= 10^9, 0 <= a_i <= 10^9).

## Output

One integer: how many index pairs i < j have a_i + a_j divisible by k.
"""


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    return Embedder()


def _texts(p: dict) -> list[str]:
    return [p["a"], *(p[k] for k in ("reworded", "restoried") if k in p)]


def test_the_threshold_separates_rewrites_of_a_task_from_different_tasks(embedder):
    texts = sorted({t for p in PROBLEMS for t in _texts(p)})
    vec = dict(zip(texts, embedder.encode(texts), strict=True))
    rewrites = [float(vec[p["a"]] @ vec[p["reworded"]]) for p in PROBLEMS if "reworded" in p]
    different = [
        float(vec[a] @ vec[b])
        for p, q in itertools.combinations(PROBLEMS, 2)
        if p.get("near") != q["id"] and q.get("near") != p["id"]
        for a, b in itertools.product(_texts(p), _texts(q))
    ]
    assert len(rewrites) >= 12 and len(different) >= 400
    # Every rewrite at or above the threshold, every different task below it, with room on both sides.
    assert min(rewrites) >= THRESHOLD + 0.03, sorted(rewrites)[:3]
    assert max(different) <= THRESHOLD - 0.05, sorted(different)[-3:]


def test_within_a_run_the_smaller_id_is_kept_and_its_rewrite_dropped(embedder):
    ms, prime, knap = BY_ID["max-subarray"], BY_ID["prime-count"], BY_ID["knapsack"]
    tasks = [("t3", ms["reworded"]), ("t1", ms["a"]), ("t2", prime["a"]), ("t4", knap["a"])]
    found = find_near_duplicates(tasks, [], embedder, THRESHOLD)
    assert set(found) == {"t3"}
    assert found["t3"].of == "t1" and found["t3"].kind == "task" and found["t3"].similarity >= THRESHOLD


def test_a_task_near_an_evaluation_problem_is_dropped_and_kept_for_no_comparison(embedder):
    knap, pal = BY_ID["knapsack"], BY_ID["string-palindrome-substring"]
    tasks = [("t1", knap["reworded"]), ("t2", knap["a"]), ("t3", pal["a"])]
    found = find_near_duplicates(
        tasks, [("lcb-knap", knap["a"]), ("lcb-pal", "Print 1.")], embedder, THRESHOLD
    )
    assert {k: (m.of, m.kind) for k, m in found.items()} == {
        "t1": ("lcb-knap", "eval"),
        "t2": ("lcb-knap", "eval"),
    }
    assert found["t2"].similarity > 0.99


def test_a_long_statement_is_embedded_whole_not_cut_at_the_model_window(embedder):
    story = " ".join(["The guild records every caravan that leaves the city gate."] * 30)  # ~300 words
    same_end = story + " " + BY_ID["tree-diameter"]["a"]
    other_end = story + " " + BY_ID["prime-count"]["a"]
    assert len(windows(same_end)) >= 3
    a, b, c = embedder.encode([same_end, other_end, BY_ID["tree-diameter"]["a"]])
    # Truncated at 256 tokens both would be the story alone (cosine 1.0); whole, they differ.
    assert float(a @ b) < 0.99 and float(a @ c) > float(b @ c)


def test_without_the_embed_extra_the_check_refuses_with_the_install_hint(monkeypatch):
    real = neardup.importlib.util.find_spec
    monkeypatch.setattr(
        neardup.importlib.util,
        "find_spec",
        lambda name: None if name == "sentence_transformers" else real(name),
    )
    with pytest.raises(ConfigError, match=re.escape("pip install 'xcoder-synth[embed]'")):
        Embedder()


def _run_to_write(replay, tmp_path, **decontam):
    evals = [
        {"id": "lcb-topk", "question": TOPK_ELSEWHERE},
        {"id": "lcb-other", "question": BY_ID["knapsack"]["a"]},
    ]
    cfg = run_config(tmp_path, replay.url, eval_problems=evals)
    cfg["decontam"] = {"near_duplicates": {"enabled": True, **decontam}}
    config = load_config(write_config(tmp_path, cfg))
    store = open_run(config)
    run_local(store, config, select_stages(stop="write"), progress=False)
    return store, config


def test_the_decontam_stage_drops_near_duplicates_with_reasons_and_the_report_shows_them(
    replay, tmp_path, embedder
):
    store, config = _run_to_write(replay, tmp_path)
    lantern = next(t for t in store.read("write", TaskRecord) if t.title == "Lantern Row")
    copy = lantern.model_copy(
        update={"id": "ff00" + lantern.id[4:], "title": "Pier Lights", "statement": LANTERN_AGAIN}
    )
    writer = JsonlWriter(store.part("write", 0))  # a second task of the run telling the same problem
    writer.write(copy)
    writer.close()
    run_stage_local(store, config, "decontam", progress=False)
    assert store.known_shards("decontam") == 1  # all tasks compared with each other: one shard (config: 2)
    kept = {t.title for t in store.read("decontam", TaskRecord)}
    assert kept == {"Lantern Row", "Balanced Window"}
    rej = {r.item_id: r for r in store.rejections("decontam")}
    topk = next(r for r in rej.values() if r.reason == "near_duplicate_eval")
    assert topk.extra["of"] == "lcb-topk" and topk.extra["similarity"] >= THRESHOLD
    assert rej[copy.id].reason == "near_duplicate" and rej[copy.id].extra["of"] == lantern.id
    assert "cosine" in rej[copy.id].detail and "threshold 0.65" in rej[copy.id].detail

    write_report(store, StageReads(store, ExportStage.reads, "export"), config, sft_rows=0, rl_rows=0)
    page = store.artifacts / "report" / "report.html"
    browser = HeadlessChromium(tmp_path, window=(1280, 2600))
    dom = browser.dom(page)
    section = dom[dom.index("<h2>Decontamination</h2>") :]
    assert "near_duplicates.enabled = True" in section and "near_duplicates.threshold = 0.65" in section
    assert "dropped 2 (near_duplicate: 1, near_duplicate_eval: 1)" in section
    rows = re.findall(r"<tr><td>([^<]+)</td><td>([^<]+)</td><td>([^<]+)</td><td>([^<]+)</td>", section)
    assert (copy.id, "near_duplicate", "embedding cosine", lantern.id) in rows
    assert (topk.item_id, "near_duplicate_eval", "embedding cosine", "lcb-topk") in rows
    png = browser.screenshot(page, tmp_path / "report.png")
    assert png.startswith(b"\x89PNG") and len(png) > 30_000


def test_a_run_with_the_check_on_but_no_embed_extra_fails_instead_of_passing(replay, tmp_path, monkeypatch):
    store, config = _run_to_write(replay, tmp_path)
    real = neardup.importlib.util.find_spec
    monkeypatch.setattr(
        neardup.importlib.util,
        "find_spec",
        lambda name: None if name == neardup.MODEL_PACKAGE else real(name),
    )
    with pytest.raises(ConfigError, match=r"xcoder-synth\[embed\]"):
        run_stage_local(store, config, "decontam", progress=False)
    assert not store.stage_complete("decontam") and list(store.read("decontam", TaskRecord)) == []
