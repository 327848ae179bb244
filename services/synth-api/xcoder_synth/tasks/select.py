"""Stage 1: choose compatible features from a config, write the integration strategy and scenario.

The model must pick features from the tree it was shown: invented paths are dropped and
recorded, and a reply with too few real features is a failure (X-Coder silently substituted a
generic "arrays + sorting" selection here; synthsmith.md gap 8).
"""

from __future__ import annotations

from pydantic import BaseModel, Field, field_validator

from xcoder_synth.features.sample import FeatureConfig
from xcoder_synth.features.schema import normalise_name
from xcoder_synth.features.tree import FeatureNode, compact, find, leaf_paths
from xcoder_synth.llm import LLMClient, ParseFailure, ask
from xcoder_synth.prompts import tasks as prompts
from xcoder_synth.tasks.models import SelectedFeature, Selection, Style


class SelectItem(BaseModel):
    path: list[str] = Field(min_length=1)
    role: str = ""

    @field_validator("path", mode="before")
    @classmethod
    def _split(cls, v: object) -> object:
        """Models also write paths as "a > b > c" (alone or inside the list)."""
        parts = [v] if isinstance(v, str) else v
        if not isinstance(parts, list):
            return v
        out: list[object] = []
        for part in parts:
            if isinstance(part, str):
                out.extend(p for p in (s.strip() for s in part.replace("→", ">").split(">")) if p)
            else:
                out.append(part)
        return out


class SelectReply(BaseModel):
    selected: list[SelectItem] = Field(min_length=1)
    integration_strategy: str = Field(min_length=20)
    scenario: str = Field(min_length=20)


def _offered_top(offered: FeatureNode, name: str) -> str:
    """Top-level keys are schema categories (snake_case); the model may write them with spaces."""
    for key in offered.children:
        if normalise_name(key) == name:
            return key
    return name


def resolve(offered: FeatureNode, items: list[SelectItem]) -> tuple[list[SelectedFeature], list[str]]:
    """Map the model's paths onto the offered tree; return the real ones and the invented ones."""
    leaves = leaf_paths(offered)
    by_leaf: dict[str, list[tuple[str, ...]]] = {}
    for p in leaves:
        by_leaf.setdefault(p[-1], []).append(p)
    found: list[SelectedFeature] = []
    unknown: list[str] = []
    seen: set[tuple[str, ...]] = set()
    for item in items:
        names = [normalise_name(n) for n in item.path]
        names = [n for n in names if n]
        if not names:
            continue
        path = (_offered_top(offered, names[0]), *names[1:])
        if find(offered, path) is None:
            # A bare feature name (or a path with a wrong prefix) that names exactly one leaf.
            matches = by_leaf.get(names[-1], [])
            if len(matches) != 1:
                unknown.append(" > ".join(item.path))
                continue
            path = matches[0]
        if path in seen:
            continue
        seen.add(path)
        found.append(SelectedFeature(path=list(path), role=item.role.strip()))
    return found, unknown


async def select_features(
    client: LLMClient,
    config: FeatureConfig,
    *,
    style: Style,
    min_selected: int,
    max_selected: int,
    attempts: int = 2,
) -> Selection | ParseFailure:
    def check(reply: SelectReply) -> None:
        found, unknown = resolve(config.features, reply.selected)
        if len(found) < min_selected:
            raise ValueError(
                f"{len(found)} selected feature(s) exist in the offered tree, need >= {min_selected}"
                + (f"; not in the tree: {'; '.join(unknown[:5])}" if unknown else "")
            )
        if len(found) > max_selected:
            raise ValueError(f"{len(found)} features selected, at most {max_selected} allowed")

    prompt = prompts.select(compact(config.features), min_selected=min_selected, max_selected=max_selected)
    result = await ask(client, prompt, SelectReply, attempts=attempts, check=check)
    if isinstance(result, ParseFailure):
        return result
    found, unknown = resolve(config.features, result.value.selected)
    return Selection(
        id=config.id,
        config_id=config.id,
        style=style,
        features=found,
        integration_strategy=result.value.integration_strategy.strip(),
        scenario=result.value.scenario.strip(),
        unknown_features=unknown,
        provenance=result.provenance,
    )
