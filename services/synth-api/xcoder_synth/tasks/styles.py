"""Assign task styles so that a run matches the configured mix exactly, reproducibly.

X-Coder drew each style with ``random.choices``; a quota keeps the realised mix equal to the
target (up to rounding) for any run size, and depends only on the sorted config ids.
"""

from __future__ import annotations

from pydantic import BaseModel, Field, model_validator

from xcoder_synth.tasks.models import STYLES, Style


class StyleMix(BaseModel):
    codeforces: float = Field(0.70, ge=0)
    leetcode: float = Field(0.15, ge=0)
    atcoder: float = Field(0.15, ge=0)

    @model_validator(mode="after")
    def _positive(self) -> StyleMix:
        if self.codeforces + self.leetcode + self.atcoder <= 0:
            raise ValueError("the style mix needs at least one positive weight")
        return self

    def weights(self) -> dict[Style, float]:
        total = self.codeforces + self.leetcode + self.atcoder
        return {s: getattr(self, s) / total for s in STYLES}


def assign_styles(ids: list[str], mix: StyleMix) -> dict[str, Style]:
    """Walk the ids in sorted order; give each the style furthest behind its target share."""
    weights = mix.weights()
    counts: dict[Style, int] = dict.fromkeys(STYLES, 0)
    out: dict[str, Style] = {}
    for k, item in enumerate(sorted(ids), 1):
        style = max(STYLES, key=lambda s: (weights[s] * k - counts[s], weights[s]))
        counts[style] += 1
        out[item] = style
    return out
