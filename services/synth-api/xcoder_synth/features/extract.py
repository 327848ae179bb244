"""Extract a seed problem's features into the fixed schema (one LLM call, validated)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from xcoder_synth.features.seeds import Seed
from xcoder_synth.features.tree import FeatureNode, leaf_count, tree_from_categories
from xcoder_synth.llm import LLMClient, ParseFailure, Provenance, ask
from xcoder_synth.prompts import features as prompts


class ExtractionReply(BaseModel):
    features: dict[str, Any]
    summary: str = ""


class SeedFeatures(BaseModel):
    id: str = Field(description="The seed's id.")
    tree: FeatureNode
    leaves: int
    summary: str
    unknown_categories: list[str] = Field(default_factory=list)
    provenance: Provenance


def _check(reply: ExtractionReply) -> None:
    tree, unknown = tree_from_categories(reply.features)
    if not tree.children:
        extra = f" (unknown categories: {', '.join(unknown)})" if unknown else ""
        raise ValueError(f"no feature in any schema category{extra}")


async def extract_features(
    client: LLMClient, seed: Seed, *, attempts: int = 2
) -> SeedFeatures | ParseFailure:
    result = await ask(
        client,
        prompts.extract(seed.statement, seed.solution),
        ExtractionReply,
        attempts=attempts,
        check=_check,
    )
    if isinstance(result, ParseFailure):
        return result
    tree, unknown = tree_from_categories(result.value.features)
    return SeedFeatures(
        id=seed.id,
        tree=tree,
        leaves=leaf_count(tree),
        summary=result.value.summary,
        unknown_categories=unknown,
        provenance=result.provenance,
    )
