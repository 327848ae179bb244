"""The feature tree: a nested map of normalised feature names with mention counts.

A node's ``count`` is how many extractions mention it or anything below it (EpiCoder's
frequency); evolved nodes receive an estimate (see :mod:`xcoder_synth.features.evolve`). The
tree is stored as this model; prompts see the compact nested-JSON form of :func:`compact`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel, Field

from xcoder_synth.features.schema import CATEGORIES, category_key, normalise_name

MAX_DEPTH = 8

Path = tuple[str, ...]


class FeatureNode(BaseModel):
    count: int = Field(0, ge=0)
    children: dict[str, FeatureNode] = Field(default_factory=dict)

    @property
    def is_leaf(self) -> bool:
        return not self.children


class TreeShapeError(ValueError):
    """A model's feature JSON is not a tree of names."""


def _add_child(parent: FeatureNode, name: str, node: FeatureNode) -> None:
    if name in parent.children:
        merge_into(parent.children[name], node)
    else:
        parent.children[name] = node


def tree_from_json(value: Any, *, depth: int = 0) -> FeatureNode:
    """Build a subtree from the mixed shapes models write (dicts, lists of names, bare names).

    Every node built here gets count 1 (one mention). Raises TreeShapeError for numbers,
    booleans or lists of anything but names and objects.
    """
    node = FeatureNode(count=1)
    if depth > MAX_DEPTH:
        raise TreeShapeError(f"deeper than {MAX_DEPTH} levels")
    if value is None:
        return node
    if isinstance(value, str):
        name = normalise_name(value)
        if name:
            _add_child(node, name, FeatureNode(count=1))
        return node
    if isinstance(value, list):
        for item in value:
            if isinstance(item, str):
                name = normalise_name(item)
                if name:
                    _add_child(node, name, FeatureNode(count=1))
            elif isinstance(item, dict):
                sub = tree_from_json(item, depth=depth)
                for name, child in sub.children.items():
                    _add_child(node, name, child)
            else:
                raise TreeShapeError(f"list item of type {type(item).__name__} (expected a name)")
        return node
    if isinstance(value, dict):
        for key, sub_value in value.items():
            name = normalise_name(str(key))
            if not name:
                continue
            _add_child(node, name, tree_from_json(sub_value, depth=depth + 1))
        return node
    raise TreeShapeError(f"value of type {type(value).__name__} (expected names, lists or objects)")


def tree_from_categories(features: dict[str, Any]) -> tuple[FeatureNode, list[str]]:
    """A root whose children are schema categories; returns the tree and the unknown category names."""
    root = FeatureNode(count=1)
    unknown: list[str] = []
    for raw_key, value in features.items():
        try:
            key = category_key(raw_key)
        except KeyError:
            unknown.append(raw_key)
            continue
        if key is None:
            continue
        sub = tree_from_json(value)
        if sub.children:
            _add_child(root, key, sub)
    set_counts(root, 1)  # one extraction mentions each of its nodes once
    return root, unknown


def set_counts(node: FeatureNode, value: int) -> None:
    node.count = value
    for child in node.children.values():
        set_counts(child, value)


def merge_into(target: FeatureNode, other: FeatureNode) -> None:
    """Union ``other`` into ``target`` in place; counts add up."""
    target.count += other.count
    for name, child in other.children.items():
        if name in target.children:
            merge_into(target.children[name], child)
        else:
            target.children[name] = child.model_copy(deep=True)


def merged(trees: list[FeatureNode]) -> FeatureNode:
    root = FeatureNode(count=0)
    for t in trees:
        merge_into(root, t)
    return root


def leaf_count(node: FeatureNode) -> int:
    if node.is_leaf:
        return 1
    return sum(leaf_count(c) for c in node.children.values())


def iter_paths(node: FeatureNode, prefix: Path = ()) -> Iterator[Path]:
    """Every node's path (internal nodes included), depth first, children sorted."""
    for name in sorted(node.children):
        path = (*prefix, name)
        yield path
        yield from iter_paths(node.children[name], path)


def leaf_paths(node: FeatureNode, prefix: Path = ()) -> list[Path]:
    out: list[Path] = []
    for name in sorted(node.children):
        child = node.children[name]
        path = (*prefix, name)
        if child.is_leaf:
            out.append(path)
        else:
            out.extend(leaf_paths(child, path))
    return out


def find(node: FeatureNode, path: Path) -> FeatureNode | None:
    for name in path:
        node_or_none = node.children.get(name)
        if node_or_none is None:
            return None
        node = node_or_none
    return node


def compact(node: FeatureNode) -> Any:
    """The nested JSON prompts show: objects for inner levels, lists of names for the last level."""
    if node.is_leaf:
        return []
    if all(c.is_leaf for c in node.children.values()):
        return sorted(node.children)
    return {name: compact(node.children[name]) for name in sorted(node.children)}


def strip_counts(node: FeatureNode) -> dict[str, Any]:
    """Canonical shape without counts: equal for trees with the same names (used for dedup ids)."""
    return {name: strip_counts(child) for name, child in sorted(node.children.items())}


def category_coverage(root: FeatureNode) -> dict[str, int]:
    """Leaves per schema category (zero for absent ones), for reports."""
    return {cat: (leaf_count(root.children[cat]) if cat in root.children else 0) for cat in CATEGORIES}
