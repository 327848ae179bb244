"""Sample feature subtrees ("feature configs") from the merged tree: uniform or frequency-weighted.

Each config index has its own RNG derived from (seed, index), so a config does not change when
the requested count changes. Descending the tree, ``shape = (root_k, inner_k, leaf_k)`` says
how many children to keep at the root, at inner levels and among leaves. Frequency weighting
follows EpiCoder: a child's weight is ``count ** (1 / temperature)``; a large temperature tends
to uniform.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from typing import Literal

from pydantic import BaseModel, Field, model_validator

from xcoder_synth.features.tree import FeatureNode, leaf_count, strip_counts
from xcoder_synth.ids import stable_id

Shape = tuple[int, int, int]


class SamplingConfig(BaseModel):
    count: int = Field(100, ge=1, description="How many feature configs to draw.")
    mode: Literal["uniform", "frequency"] = "frequency"
    temperature: float = Field(2.0, gt=0, description="Frequency mode: weight = count ** (1/temperature).")
    shapes: list[Shape] = Field(default_factory=lambda: [(3, 3, 2), (4, 3, 2), (3, 2, 3)])
    min_leaves: int = Field(8, ge=1)
    max_leaves: int | None = Field(60, ge=1)
    max_depth: int = Field(6, ge=1)
    max_attempts: int = Field(200, ge=1, description="Draws per config before giving up on it.")
    seed: int = 42

    @model_validator(mode="after")
    def _bounds(self) -> SamplingConfig:
        if not self.shapes:
            raise ValueError("shapes must not be empty")
        for shape in self.shapes:
            if min(shape) < 1:
                raise ValueError(f"shape {shape}: every branching factor must be >= 1")
        if self.max_leaves is not None and self.max_leaves < self.min_leaves:
            raise ValueError("max_leaves < min_leaves")
        return self


class FeatureConfig(BaseModel):
    """One sampled subtree: the features offered to the selection stage."""

    id: str
    index: int
    features: FeatureNode
    leaf_count: int
    shape: Shape
    style: str | None = Field(None, description="Task style assigned to this config (see tasks.styles).")


def _weights(
    children: dict[str, FeatureNode], names: list[str], mode: str, temperature: float
) -> list[float]:
    if mode == "uniform":
        return [1.0] * len(names)
    return [max(children[n].count, 1) ** (1.0 / temperature) for n in names]


def _choose(names: list[str], weights: list[float], k: int, rng: random.Random) -> list[str]:
    """Weighted sampling without replacement (Efraimidis–Spirakis keys), deterministic given rng."""
    if k >= len(names):
        return list(names)
    keyed = [(math.log(rng.random() or 1e-300) / w, n) for n, w in zip(names, weights, strict=True)]
    keyed.sort(reverse=True)
    return sorted(n for _, n in keyed[:k])


def sample_subtree(
    root: FeatureNode, shape: Shape, rng: random.Random, *, mode: str, temperature: float, max_depth: int
) -> FeatureNode:
    root_k, inner_k, leaf_k = shape

    def descend(node: FeatureNode, depth: int) -> FeatureNode:
        out = FeatureNode(count=node.count)
        if depth >= max_depth or node.is_leaf:
            return out
        names = sorted(node.children)
        if depth == 0:
            k = root_k
        elif all(node.children[n].is_leaf for n in names):
            k = leaf_k
        else:
            k = inner_k
        for name in _choose(names, _weights(node.children, names, mode, temperature), k, rng):
            child = node.children[name]
            if child.is_leaf:
                out.children[name] = FeatureNode(count=child.count)
                continue
            sub = descend(child, depth + 1)
            if sub.children:
                out.children[name] = sub
        return out

    return descend(root, 0)


def config_id(features: FeatureNode) -> str:
    return stable_id("feature-config", strip_counts(features))


def sample_configs(root: FeatureNode, cfg: SamplingConfig) -> Iterator[FeatureConfig | int]:
    """Yield each distinct config, or the index of a config for which no valid draw was found."""
    seen: set[str] = set()
    for index in range(cfg.count):
        rng = random.Random(f"xcoder-synth:configs:{cfg.seed}:{index}")
        for _ in range(cfg.max_attempts):
            shape = cfg.shapes[rng.randrange(len(cfg.shapes))]
            sub = sample_subtree(
                root, shape, rng, mode=cfg.mode, temperature=cfg.temperature, max_depth=cfg.max_depth
            )
            n = leaf_count(sub) if sub.children else 0
            if n < cfg.min_leaves or (cfg.max_leaves is not None and n > cfg.max_leaves):
                continue
            cid = config_id(sub)
            if cid in seen:
                continue
            seen.add(cid)
            yield FeatureConfig(id=cid, index=index, features=sub, leaf_count=n, shape=shape)
            break
        else:
            yield index
