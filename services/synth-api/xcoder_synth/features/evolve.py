"""Evolve the tree in depth and breadth: sample small subtrees, ask the model to grow them,
graft what it adds.

Rounds run one after another (each samples from the tree the previous round grew); the
samples of one round are asked concurrently. New nodes get EpiCoder's frequency estimate: the
mean count of their existing siblings, else their parent's mean child count, else 1.
"""

from __future__ import annotations

import random
from typing import Any

from pydantic import BaseModel, Field

from xcoder_synth.features.tree import (
    FeatureNode,
    TreeShapeError,
    compact,
    find,
    iter_paths,
    tree_from_categories,
)
from xcoder_synth.llm import LLMClient, ParseFailure, Provenance, ask
from xcoder_synth.prompts import features as prompts


class EvolutionConfig(BaseModel):
    rounds: int = Field(1, ge=0)
    per_round: int = Field(8, ge=1, description="Subtrees grown concurrently per round.")
    conditions: list[int] = Field(
        default_factory=lambda: [2, 1, 2, 1],
        description="Children kept per depth when sampling a subtree to grow.",
    )
    seed: int = 42


class EvolveReply(BaseModel):
    expanded: dict[str, Any]


class Growth(BaseModel):
    round: int
    sample: int
    offered: Any
    added: list[list[str]] = Field(default_factory=list)
    provenance: Provenance


def _descendants(node: FeatureNode) -> int:
    return 1 + sum(_descendants(c) for c in node.children.values())


def sample_for_evolution(root: FeatureNode, conditions: list[int], rng: random.Random) -> FeatureNode:
    """A small subtree: at depth d keep ``conditions[d]`` children, weighted by subtree size."""

    def descend(node: FeatureNode, depth: int) -> FeatureNode:
        out = FeatureNode(count=node.count)
        if depth >= len(conditions) or node.is_leaf:
            return out
        names = sorted(node.children)
        weights = [float(_descendants(node.children[n])) for n in names]
        k = min(conditions[depth], len(names))
        picked: list[str] = []
        while len(picked) < k:
            name = rng.choices(names, weights)[0]
            idx = names.index(name)
            names.pop(idx)
            weights.pop(idx)
            picked.append(name)
        for name in sorted(picked):
            out.children[name] = descend(node.children[name], depth + 1)
        return out

    return descend(root, 0)


def _new_paths(base: FeatureNode, grown: FeatureNode, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out: list[tuple[str, ...]] = []
    for name, child in sorted(grown.children.items()):
        path = (*prefix, name)
        if name not in base.children:
            out.append(path)
            out.extend((*path, *p) for p in iter_paths(child))
        else:
            out.extend(_new_paths(base.children[name], child, path))
    return out


def graft(tree: FeatureNode, offered: FeatureNode, grown: FeatureNode) -> list[tuple[str, ...]]:
    """Add to ``tree`` the nodes of ``grown`` absent from ``tree``; return their paths.

    Top-level keys the model invented (not in ``offered``) are ignored: evolution grows the
    offered categories, it does not open new ones.
    """
    added: list[tuple[str, ...]] = []
    for path in _new_paths(tree, grown):
        if path[0] not in offered.children:
            continue
        parent = find(tree, path[:-1])
        if parent is None:
            continue  # its parent was itself skipped
        if path[-1] in parent.children:
            continue
        siblings = [c.count for c in parent.children.values()]
        count = max(1, round(sum(siblings) / len(siblings))) if siblings else max(1, parent.count)
        parent.children[path[-1]] = FeatureNode(count=count)
        added.append(path)
    return added


def _check(offered: FeatureNode):
    def check(reply: EvolveReply) -> None:
        try:
            grown, _ = tree_from_categories(reply.expanded)
        except TreeShapeError as exc:
            raise ValueError(f"expanded tree: {exc}") from exc
        if not any(p[0] in offered.children for p in _new_paths(offered, grown)):
            raise ValueError("the expansion adds nothing under the offered categories")

    return check


async def grow(
    client: LLMClient,
    tree: FeatureNode,
    offered: FeatureNode,
    *,
    round_no: int,
    sample: int,
    attempts: int = 2,
) -> tuple[Growth | None, ParseFailure | None, FeatureNode | None]:
    """Ask for one expansion of ``offered``; returns the growth record or the failure, and the grown tree."""
    result = await ask(
        client,
        prompts.evolve(compact(offered)),
        EvolveReply,
        sample=sample,
        attempts=attempts,
        check=_check(offered),
    )
    if isinstance(result, ParseFailure):
        return None, result, None
    grown, _ = tree_from_categories(result.value.expanded)
    growth = Growth(round=round_no, sample=sample, offered=compact(offered), provenance=result.provenance)
    return growth, None, grown


class FeatureTreeRecord(BaseModel):
    """The tree stage's one record: the merged, evolved tree and how it grew."""

    id: str = "tree"
    tree: FeatureNode
    seeds: int
    base_leaves: int
    leaves: int
    coverage: dict[str, int]
    growth: list[Growth] = Field(default_factory=list)
