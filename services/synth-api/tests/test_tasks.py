"""Tasks: feature selection (stage 1), styled writing (stage 2), style mix."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest
from xcoder_synth.features.sample import FeatureConfig
from xcoder_synth.features.tree import tree_from_categories
from xcoder_synth.llm import ParseFailure
from xcoder_synth.prompts.solutions import solve_query
from xcoder_synth.tasks.models import TaskRecord
from xcoder_synth.tasks.select import SelectItem, resolve, select_features
from xcoder_synth.tasks.styles import StyleMix, assign_styles
from xcoder_synth.tasks.write import write_task

from .helpers import pool, selection


def _config() -> FeatureConfig:
    tree, _ = tree_from_categories(
        {
            "mathematics": {"number theory": ["congruences", "divisibility by k"]},
            "data_structures": ["hash maps", "min-heap"],
            "coding_techniques": ["prefix sums"],
        }
    )
    return FeatureConfig(id="cfg1", index=0, features=tree, leaf_count=5, shape=(3, 2, 2), style="codeforces")


def test_resolve_accepts_paths_and_unique_bare_names_and_drops_invented_ones():
    found, unknown = resolve(
        _config().features,
        [
            SelectItem(path=["Mathematics", "Number Theory", "Congruences"], role="r1"),
            SelectItem(path="hash map", role="r2"),
            SelectItem(path=["data structures > min-heap"], role="r3"),
            SelectItem(path=["quantum oracle"], role="r4"),
            SelectItem(path=["hash maps"], role="duplicate"),
        ],
    )
    assert [f.path for f in found] == [
        ["mathematics", "number theory", "congruence"],
        ["data_structures", "hash map"],
        ["data_structures", "min heap"],
    ]
    assert unknown == ["quantum oracle"]


def test_selection_reply_from_recordings(replay, tmp_path):
    async def go(min_selected: int):
        p = pool(replay.url, tmp_path)
        try:
            return await select_features(
                p.get("default"), _config(), style="atcoder", min_selected=min_selected, max_selected=40
            )
        finally:
            await p.aclose()

    sel = asyncio.run(go(2))
    assert not isinstance(sel, ParseFailure)
    paths = {tuple(f.path) for f in sel.features}
    assert ("mathematics", "number theory", "congruence") in paths
    assert ("coding_techniques", "prefix sum") in paths
    assert "a quantum oracle" in sel.unknown_features
    assert sel.style == "atcoder" and sel.provenance.prompt_id == "tasks.select"
    # Fail closed: the same reply has only 5 features of this config, fewer than 6 asked for.
    failed = asyncio.run(go(6))
    assert isinstance(failed, ParseFailure) and failed.reason == "invalid_content"
    assert "need >= 6" in failed.detail


def _write(replay, tmp_path, style: str, **kw) -> TaskRecord | ParseFailure:
    async def go():
        p = pool(replay.url, tmp_path)
        try:
            return await write_task(p.get("default"), selection(style), **kw)
        finally:
            await p.aclose()

    return asyncio.run(go())


def test_codeforces_task_is_rewritten_when_the_answer_is_not_unique(replay, tmp_path):
    task = _write(replay, tmp_path, "codeforces")
    assert isinstance(task, TaskRecord)
    assert task.title == "Lantern Row" and task.io == "stdio" and task.checker.kind == "tokens"
    assert task.provenance["write"].attempt == 1
    assert task.stdio_examples[0].input == "5 3\n1 2 3 4 5\n" and task.stdio_examples[1].output == "6\n"
    s = task.statement
    assert s.startswith("# Lantern Row") and "## Input" in s and "- 1 <= n <= 2*10^5" in s
    assert "### Input 2\n\n```\n4 2\n2 4 6 8\n```" in s and "## Note" in s
    assert "standard input" in solve_query(task)


def test_single_attempt_reports_why_the_task_was_dropped(replay, tmp_path):
    failure = _write(replay, tmp_path, "codeforces", attempts=1)
    assert isinstance(failure, ParseFailure)
    assert failure.reason == "invalid_content" and "several correct outputs" in failure.detail


def test_leetcode_task_has_an_entry_point_and_call_examples(replay, tmp_path):
    task = _write(replay, tmp_path, "leetcode")
    assert isinstance(task, TaskRecord)
    assert task.io == "call" and task.fn_name == "longestBalanced"
    assert task.entry_point.signature == "def longestBalanced(self, s: str) -> int:"
    assert [ex.output for ex in task.call_examples] == [4, 0, 2]
    assert 'Input: s = "aabab"' in task.statement and "class Solution:" in task.statement
    assert "def longestBalanced(self, s: str) -> int" in solve_query(task)


def test_atcoder_task_with_real_answers_gets_a_float_checker(replay, tmp_path):
    task = _write(replay, tmp_path, "atcoder")
    assert isinstance(task, TaskRecord)
    assert task.checker.kind == "floats" and task.checker.abs_tol == pytest.approx(1e-6)
    assert "## Sample Input 2" in task.statement and "## Constraints" in task.statement


def test_banned_terms_fail_closed(replay, tmp_path):
    failure = _write(replay, tmp_path, "atcoder", banned_terms=("average",), attempts=1)
    assert isinstance(failure, ParseFailure) and "names techniques: average" in failure.detail


def test_style_quota_matches_the_mix_exactly_and_is_reproducible():
    ids = [f"id{i:03d}" for i in range(100)]
    styles = assign_styles(ids, StyleMix())
    assert Counter(styles.values()) == {"codeforces": 70, "leetcode": 15, "atcoder": 15}
    assert assign_styles(list(reversed(ids)), StyleMix()) == styles
    three = assign_styles(ids[:3], StyleMix(codeforces=1, leetcode=1, atcoder=1))
    assert sorted(three.values()) == ["atcoder", "codeforces", "leetcode"]


_PAIRSUM_REPLY = {
    "title": "Two Lanterns",
    "legend": "Given n brightness values and a target t, find two different lanterns whose total is t.",
    "input_format": "n t on the first line, then n integers.",
    "output_format": "Print two indices i < j with a_i + a_j = t (any such pair), or -1 if there is none.",
    "constraints": ["2 <= n <= 2*10^5", "|a_i|, |t| <= 10^9"],
    "examples": [
        {"input": "4 6\n1 5 3 3\n", "output": "1 2\n", "explanation": "1 + 5 = 6 (3 4 is also correct)."},
        {"input": "3 7\n1 2 3\n", "output": "-1\n", "explanation": "no pair sums to 7."},
    ],
    "answer": "exact",
    "tolerance": None,
    "unique_answer": False,
    "checker": "import sys\nsys.exit(0)\n",
}


def _write_with(tmp_path, reply: dict, *, multi_answer: bool):
    import json
    import uuid

    tmp_path = tmp_path / uuid.uuid4().hex  # a fresh response cache per reply
    tmp_path.mkdir()

    import yaml
    from xcoder_synth.testing.replay import ReplayServer, load_rules

    rules = tmp_path / "rules.yaml"
    rules.write_text(
        yaml.safe_dump(
            [
                {"name": p, "prompt": p, "response": json.dumps(reply)}
                for p in ("tasks.write.codeforces", "tasks.write.codeforces.checker")
            ]
        )
    )
    with ReplayServer(load_rules([rules])) as server:

        async def go():
            p = pool(server.url, tmp_path)
            try:
                return await write_task(p.get("default"), selection("codeforces"), multi_answer=multi_answer)
            finally:
                await p.aclose()

        return asyncio.run(go())


def test_a_task_with_several_valid_answers_needs_multi_answer_and_a_checker(tmp_path):
    refused = _write_with(tmp_path, _PAIRSUM_REPLY, multi_answer=False)
    assert isinstance(refused, ParseFailure) and "several correct outputs" in refused.detail
    task = _write_with(tmp_path, _PAIRSUM_REPLY, multi_answer=True)
    assert isinstance(task, TaskRecord) and task.checker.kind == "program"
    assert task.checker.judge_checker() == {
        "kind": "program",
        "language": "python3",
        "source": "import sys\nsys.exit(0)\n",
    }
    assert task.provenance["write"].prompt_id == "tasks.write.codeforces.checker"
    no_checker = _write_with(tmp_path, {**_PAIRSUM_REPLY, "checker": None}, multi_answer=True)
    assert isinstance(no_checker, ParseFailure) and "no checker program" in no_checker.detail
