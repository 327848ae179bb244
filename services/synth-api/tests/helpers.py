"""Builders shared by the tests."""

from __future__ import annotations

from xcoder_synth.llm import EndpointConfig, LLMPool, Provenance, ResponseCache
from xcoder_synth.tasks.models import SelectedFeature, Selection

from .conftest import endpoint

PROV = Provenance(endpoint="test", model="m", prompt_id="p", prompt_version="1", sampling={}, cache_key="k")


def pool(url: str, tmp_path) -> LLMPool:
    return LLMPool(
        {"default": EndpointConfig.model_validate(endpoint(url))}, ResponseCache(tmp_path / "cache")
    )


def selection(style: str, config_id: str = "cfg1") -> Selection:
    return Selection(
        id=config_id,
        config_id=config_id,
        style=style,  # type: ignore[arg-type]
        features=[
            SelectedFeature(path=["mathematics", "number theory", "congruence"], role="pairs modulo k")
        ],
        integration_strategy="Residues are counted in one pass so that pairs come from class frequencies.",
        scenario="Count pairs of values whose sum is divisible by k, for up to 2*10^5 values.",
        provenance=PROV,
    )
