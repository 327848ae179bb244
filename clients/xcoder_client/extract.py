"""The one code extractor: which program in a model's response gets judged.

Every client (verl, ms-swift, the SFT filter) and SynthSmith use this function, so a rollout
is judged on the same program whichever path scores it. The rules, in order:

1. `<think>…</think>` sections are dropped (also a leading `…</think>` whose `<think>` was in
   the prompt, and an unclosed trailing `<think>…`). Drafts inside reasoning are never judged.
2. Fenced blocks (``` or ~~~, any indent) are collected. A block tagged with the target
   language (```py, ```Python3, ```c++ …) wins over an untagged one; blocks tagged with another
   language (```text, ```bash, ```json) are never used.
3. Of the winning kind, the LAST block is the answer (X-Coder took the first: a draft).
4. If that block has no closing fence, the response was cut off: status `unterminated` and no
   code, unless `allow_unterminated=True`. A line ending in ``` closes a block (models do this).
5. No block at all gives status `no_code`. The whole response is never returned as code.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from xcoder_wire.schemas import MAX_SOURCE_BYTES

from xcoder_client.languages import resolve_language

__all__ = ["ExtractStatus", "Extraction", "extract_code"]


class ExtractStatus(str, enum.Enum):
    ok = "ok"
    no_code = "no_code"
    """No fenced block of the target language (or untagged) outside thinking."""
    unterminated = "unterminated"
    """The last candidate block has no closing fence: the response was probably truncated."""
    unfinished_think = "unfinished_think"
    """No code, and a `<think>` section never closed: the response ended while reasoning."""
    empty = "empty"
    """The chosen block holds only whitespace."""
    invalid = "invalid"
    """The chosen block cannot be submitted: a NUL byte, or larger than the judge accepts."""


@dataclass(frozen=True, slots=True)
class Extraction:
    """What was extracted and why; `code` is None unless there is something to judge."""

    code: str | None
    status: ExtractStatus
    language: str
    """Canonical target language (`python`, `cpp`, …)."""
    fence_tag: str | None = None
    """Info-string tag of the chosen block ('' for an untagged fence), None if none chosen."""
    blocks: int = 0
    """Fenced blocks seen outside thinking, of any language."""

    @property
    def ok(self) -> bool:
        return self.code is not None


_THINK_TAG = re.compile(r"<(/?)think>", re.IGNORECASE)
_FENCE_OPEN = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
_TAG_WORD = re.compile(r"[A-Za-z0-9_+#.\-]+")


@dataclass(slots=True)
class _Block:
    tag: str
    lines: list[str]
    terminated: bool


def _drop_thinking(text: str) -> tuple[str, bool]:
    """The visible text, and whether a `<think>` was left open at the end."""
    tags = list(_THINK_TAG.finditer(text))
    if not tags:
        return text, False
    inside = tags[0].group(1) == "/"  # a leading </think>: the <think> was in the prompt
    kept: list[str] = []
    pos = 0
    for tag in tags:
        if not inside:
            kept.append(text[pos : tag.start()])
        inside = tag.group(1) != "/"
        pos = tag.end()
    if not inside:
        kept.append(text[pos:])
    return "".join(kept), inside


def _strip_indent(line: str, indent: int) -> str:
    i = 0
    while i < indent and i < len(line) and line[i] in " \t":
        i += 1
    return line[i:]


def _blocks(text: str) -> list[_Block]:
    blocks: list[_Block] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        m = _FENCE_OPEN.match(lines[i])
        i += 1
        if m is None:
            continue
        fence, info = m.group("fence"), m.group("info").strip()
        if fence[0] == "`" and "`" in info:
            continue  # inline code such as ```a``` on one line, not a fence
        word = _TAG_WORD.match(info.lstrip("{."))
        block = _Block(tag=word.group(0).lower() if word else "", lines=[], terminated=False)
        indent = len(m.group("indent"))
        while i < len(lines):
            line = lines[i]
            i += 1
            stripped = line.strip()
            if stripped.startswith(fence[0] * len(fence)) and not stripped.lstrip(fence[0]):
                block.terminated = True
                break
            if fence[0] == "`" and stripped.endswith(fence) and not stripped.endswith(fence + "`"):
                # `print(x)```: a closing fence glued to the last line of code.
                block.lines.append(_strip_indent(line.rstrip()[: -len(fence)], indent))
                block.terminated = True
                break
            block.lines.append(_strip_indent(line, indent))
        blocks.append(block)
    return blocks


def extract_code(text: str, language: str = "python", *, allow_unterminated: bool = False) -> Extraction:
    """The program to judge in `text`, written in `language` (a name, alias or judge id).

    Returns an `Extraction` whose `code` is None unless `status` is `ok` (or `unterminated`
    with `allow_unterminated=True`). Raises ValueError only for an unknown language.
    """
    lang = resolve_language(language).name
    visible, think_open = _drop_thinking(text)
    blocks = _blocks(visible)
    tags = resolve_language(language).fence_tags
    tagged = [b for b in blocks if b.tag in tags]
    candidates = tagged or [b for b in blocks if b.tag == ""]
    if not candidates:
        status = ExtractStatus.unfinished_think if think_open else ExtractStatus.no_code
        return Extraction(None, status, lang, None, len(blocks))
    block = candidates[-1]
    code = "\n".join(block.lines).rstrip() + "\n"
    status = ExtractStatus.ok
    if not block.terminated:
        status = ExtractStatus.unterminated
        if not allow_unterminated:
            return Extraction(None, status, lang, block.tag, len(blocks))
    if not code.strip():
        return Extraction(None, ExtractStatus.empty, lang, block.tag, len(blocks))
    if "\x00" in code or len(code.encode("utf-8", "surrogatepass")) > MAX_SOURCE_BYTES:
        return Extraction(None, ExtractStatus.invalid, lang, block.tag, len(blocks))
    return Extraction(code, status, lang, block.tag, len(blocks))
