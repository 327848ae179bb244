"""Find the JSON object a model was asked for in its reply, or say precisely why not.

No repair heuristics: X-Coder's regex "repairs" corrupted statements and its fallbacks
replaced failures with defaults (synthsmith.md gap 8). A reply either contains a valid JSON
object or the caller records a parse failure and asks again.
"""

from __future__ import annotations

import json
import re
from typing import Any

_THINK_BLOCK = re.compile(r"<think>.*?</think>", re.DOTALL | re.IGNORECASE)
_FENCED = re.compile(r"```[ \t]*(?:json|JSON)?[ \t]*\n(.*?)\n[ \t]*```", re.DOTALL)


class ReplyParseError(ValueError):
    """The reply holds no usable JSON object; ``reason`` is a short stable code."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


def visible_text(text: str) -> str:
    """The reply without reasoning: closed ``<think>`` blocks and anything before a stray ``</think>``."""
    text = _THINK_BLOCK.sub("", text)
    lowered = text.lower()
    end = lowered.rfind("</think>")
    if end >= 0:
        text = text[end + len("</think>") :]
    if "<think>" in text.lower():
        raise ReplyParseError("unfinished_reasoning", "the reply ends inside a <think> block")
    return text


def _objects_in(text: str) -> list[Any]:
    """Every top-level JSON object that decodes, left to right."""
    decoder = json.JSONDecoder()
    found: list[Any] = []
    pos = text.find("{")
    while pos >= 0:
        try:
            obj, end = decoder.raw_decode(text, pos)
        except ValueError:
            pos = text.find("{", pos + 1)
            continue
        if isinstance(obj, dict):
            found.append(obj)
        pos = text.find("{", end)
    return found


def parse_json_object(text: str) -> dict[str, Any]:
    """The answer object: the last fenced JSON block that decodes, else the last bare object."""
    visible = visible_text(text)
    for block in reversed(_FENCED.findall(visible)):
        try:
            obj = json.loads(block)
        except ValueError:
            continue
        if isinstance(obj, dict):
            return obj
    objects = _objects_in(visible)
    if objects:
        return objects[-1]
    if "{" in visible:
        raise ReplyParseError("invalid_json", "the reply has braces but no decodable JSON object")
    raise ReplyParseError("no_json", "the reply contains no JSON object")
