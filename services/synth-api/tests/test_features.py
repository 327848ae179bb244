"""Feature trees: extraction into the schema, normalisation and merging, evolution, sampling."""

from __future__ import annotations

import asyncio
import random
from collections import Counter

from xcoder_synth.features.evolve import graft, grow, sample_for_evolution
from xcoder_synth.features.extract import SeedFeatures, extract_features
from xcoder_synth.features.sample import SamplingConfig, sample_configs, sample_subtree
from xcoder_synth.features.schema import normalise_name
from xcoder_synth.features.seeds import load_seeds
from xcoder_synth.features.tree import (
    FeatureNode,
    compact,
    find,
    leaf_count,
    leaf_paths,
    merged,
    tree_from_categories,
)
from xcoder_synth.llm import EndpointConfig, LLMPool, ParseFailure, ResponseCache

from .conftest import FIXTURES, endpoint


def _seeds():
    return {s.id: s for s in load_seeds(FIXTURES / "seeds.jsonl")}


def test_seed_loader_reads_taco_style_solution_lists():
    seeds = _seeds()
    assert seeds["seed-grid"].solution.startswith("from collections import deque")
    assert seeds["seed-garbled"].solution is None


def test_names_are_normalised():
    assert normalise_name("Segment_Trees") == "segment tree"
    assert normalise_name("  Hash-Maps. ") == "hash map"
    assert normalise_name("Binary Search Queries") == "binary search query"
    assert normalise_name("analysis") == "analysis" and normalise_name("BFS") == "bfs"


def test_schema_mapping_drops_languages_and_reports_unknown_categories():
    tree, unknown = tree_from_categories(
        {
            "Data Structures": ["Deque", "deque", "segment trees"],
            "programming_language": ["Python"],
            "algorithms": {"graph_algorithms": ["Dijkstra"]},
            "vibes": ["cozy"],
        }
    )
    assert unknown == ["vibes"]
    assert set(tree.children) == {"data_structures", "algorithms"}
    assert sorted(tree.children["data_structures"].children) == ["deque", "segment tree"]
    assert find(tree, ("algorithms", "graph algorithm", "dijkstra")) is not None
    assert all(n.count == 1 for n in [tree, *tree.children.values()])  # one extraction, one mention each


def test_merge_counts_mentions():
    a, _ = tree_from_categories({"data_structures": ["heap", "deque"]})
    b, _ = tree_from_categories({"data_structures": ["heaps"]})
    t = merged([a, b])
    assert t.children["data_structures"].children["heap"].count == 2
    assert t.children["data_structures"].children["deque"].count == 1
    assert leaf_count(t) == 2


def _pool(url, tmp_path):
    return LLMPool(
        {"default": EndpointConfig.model_validate(endpoint(url))}, ResponseCache(tmp_path / "cache")
    )


def test_extraction_retries_a_broken_reply_and_drops_a_non_json_one(replay, tmp_path):
    seeds = _seeds()

    async def go():
        pool = _pool(replay.url, tmp_path)
        try:
            grid = await extract_features(pool.get("default"), seeds["seed-grid"], attempts=2)
            garbled = await extract_features(pool.get("default"), seeds["seed-garbled"], attempts=2)
        finally:
            await pool.aclose()
        return grid, garbled

    grid, garbled = asyncio.run(go())
    assert isinstance(grid, SeedFeatures)
    assert grid.provenance.attempt == 1  # attempt 0 had a missing comma
    assert find(grid.tree, ("algorithms", "graph algorithm", "shortest path", "0 1 bfs")) is not None
    assert "mathematics" not in grid.tree.children  # empty categories are not nodes
    assert isinstance(garbled, ParseFailure)
    assert garbled.reason == "no_json" and len(garbled.attempts) == 2


def test_evolution_grafts_new_nodes_with_sibling_frequency(replay, tmp_path):
    tree, _ = tree_from_categories(
        {
            "data_structures": ["deque", "heap"],
            "algorithms": {"graph algorithms": {"shortest path": ["0-1 BFS"]}},
        }
    )
    tree.children["data_structures"].children["deque"].count = 4
    tree.children["data_structures"].children["heap"].count = 2
    offered = sample_for_evolution(tree, [2, 1, 2, 1], random.Random(0))

    async def go():
        pool = _pool(replay.url, tmp_path)
        try:
            return await grow(pool.get("default"), tree, offered, round_no=0, sample=0)
        finally:
            await pool.aclose()

    growth, failure, grown = asyncio.run(go())
    assert failure is None and growth is not None
    before = leaf_count(tree)
    added = graft(tree, offered, grown)
    assert added and leaf_count(tree) > before
    assert all(p[0] in offered.children for p in added)  # only offered categories grow
    assert set(offered.children) == {"data_structures", "algorithms"}  # two root children, both offered
    new = tree.children["data_structures"].children["hash map of first occurrence"]
    assert new.count == 3  # mean of its existing siblings (4 and 2)
    assert "mathematics" not in tree.children  # the reply's extra categories were not offered


def _frequency_tree() -> FeatureNode:
    tree, _ = tree_from_categories({"algorithms": {"group": ["popular", *[f"rare {i}" for i in range(9)]]}})
    tree.children["algorithms"].children["group"].children["popular"].count = 50
    return tree


def test_frequency_weighted_sampling_prefers_frequent_features():
    tree = _frequency_tree()

    def share(mode: str) -> float:
        hits = Counter()
        for i in range(400):
            sub = sample_subtree(tree, (1, 1, 1), random.Random(i), mode=mode, temperature=1.0, max_depth=6)
            hits.update(p[-1] for p in leaf_paths(sub))
        return hits["popular"] / 400

    assert share("frequency") > 0.6  # weight 50 against 9 × 1
    assert share("uniform") < 0.25  # about 1 in 10


def test_config_sampling_is_seeded_stable_and_respects_bounds():
    tree, _ = tree_from_categories(
        {
            "algorithms": {f"g{i}": [f"a{i}{j}" for j in range(4)] for i in range(4)},
            "data_structures": [f"ds{j}" for j in range(6)],
            "mathematics": {"number theory": ["gcd", "sieve"], "combinatorics": ["binomials"]},
        }
    )
    cfg = SamplingConfig(count=6, shapes=[(2, 2, 2)], min_leaves=3, max_leaves=8, seed=7)
    first = list(sample_configs(tree, cfg))
    again = list(sample_configs(tree, cfg))
    assert [c.model_dump() for c in first] == [c.model_dump() for c in again]
    configs = [c for c in first if not isinstance(c, int)]
    assert len({c.id for c in configs}) == len(configs)
    assert all(3 <= c.leaf_count <= 8 for c in configs)
    # A config depends on its index and the seed, not on how many were requested.
    fewer = list(sample_configs(tree, cfg.model_copy(update={"count": 3})))
    assert [c.model_dump() for c in fewer] == [c.model_dump() for c in first[:3]]
    # Impossible bounds: every index reports that no valid subtree was found.
    impossible = list(
        sample_configs(tree, cfg.model_copy(update={"min_leaves": 50, "max_leaves": 60, "max_attempts": 5}))
    )
    assert impossible == list(range(6))


def test_compact_form_is_what_prompts_show():
    tree, _ = tree_from_categories(
        {"algorithms": {"search": ["binary search", "ternary search"]}, "data_structures": ["heap"]}
    )
    assert compact(tree) == {
        "algorithms": {"search": ["binary search", "ternary search"]},
        "data_structures": ["heap"],
    }
