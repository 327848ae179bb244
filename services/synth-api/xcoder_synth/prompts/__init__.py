"""Prompts, each with a stable id and a version recorded in every row it produced.

Bump a prompt's version whenever its text changes: the version is part of every row's
provenance, and the text is part of the cache key, so old replies are never mixed with new
ones silently.
"""

from __future__ import annotations

from pydantic import BaseModel, computed_field

from xcoder_synth.llm.models import ChatMessage


class RenderedPrompt(BaseModel):
    id: str
    version: str
    messages: list[ChatMessage]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def ref(self) -> str:
        return f"{self.id}@{self.version}"


def render(prompt_id: str, version: str, system: str, user: str) -> RenderedPrompt:
    return RenderedPrompt(
        id=prompt_id,
        version=version,
        messages=[
            ChatMessage(role="system", content=system.strip()),
            ChatMessage(role="user", content=user.strip()),
        ],
    )
