"""Decontamination: drop tasks whose statements share too many word n-grams with evaluation problems.

(Paraphrases that share no long n-gram are the embedding check's, in ``neardup``.)

Text is lower-cased and reduced to alphanumeric words; a task's overlap with an evaluation
problem is the share of the task's n-grams that also occur in that problem. A task is dropped
when its largest overlap reaches ``max_overlap``. Boilerplate shared by many problems ("the
first line contains an integer n") is made harmless by ``n`` large enough (default 13).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from xcoder_synth.errors import ConfigError
from xcoder_synth.features.seeds import STATEMENT_FIELDS
from xcoder_synth.neardup import NearDupConfig

_WORD = re.compile(r"[a-z0-9]+")


class DecontamConfig(BaseModel):
    ngram: int = Field(13, ge=3, le=64)
    max_overlap: float = Field(0.1, gt=0, le=1)
    near_duplicates: NearDupConfig = Field(
        default_factory=NearDupConfig,
        description="Sentence-embedding check against evaluation problems and within the run.",
    )


class Overlap(BaseModel):
    ratio: float
    eval_id: str | None = None
    shared: int = 0
    total: int = 0


def ngrams(text: str, n: int) -> set[int]:
    words = _WORD.findall(text.lower())
    out: set[int] = set()
    for i in range(len(words) - n + 1):
        gram = " ".join(words[i : i + n]).encode("utf-8")
        out.add(int.from_bytes(hashlib.blake2b(gram, digest_size=8).digest(), "big"))
    return out


class NgramIndex:
    """n-gram → evaluation problems containing it."""

    def __init__(self, n: int) -> None:
        self.n = n
        self._index: dict[int, list[str]] = {}
        self.size = 0

    def add(self, problem_id: str, text: str) -> None:
        self.size += 1
        for g in ngrams(text, self.n):
            self._index.setdefault(g, []).append(problem_id)

    def overlap(self, text: str) -> Overlap:
        grams = ngrams(text, self.n)
        if not grams:
            return Overlap(ratio=0.0)
        counts: dict[str, int] = {}
        for g in grams:
            for pid in self._index.get(g, ()):
                counts[pid] = counts.get(pid, 0) + 1
        if not counts:
            return Overlap(ratio=0.0, total=len(grams))
        pid, shared = max(counts.items(), key=lambda kv: (kv[1], kv[0]))
        return Overlap(ratio=shared / len(grams), eval_id=pid, shared=shared, total=len(grams))


TEXT_FIELDS = (*STATEMENT_FIELDS, "question_content", "text")
ID_FIELDS = ("id", "question_id", "task_id")


def problem_of(record: dict[str, Any], where: str) -> tuple[str, str]:
    """(id, text) of an evaluation problem record (LiveCodeBench, TACO, or our own fields)."""
    text = next((record[f] for f in TEXT_FIELDS if isinstance(record.get(f), str)), None)
    if text is None:
        raise ConfigError(f"{where}: no problem text (looked for {', '.join(TEXT_FIELDS)})")
    pid = next((str(record[f]) for f in ID_FIELDS if record.get(f) is not None), where)
    return pid, text


def _file_records(path: Path) -> Iterable[dict[str, Any]]:
    if not path.exists():
        raise ConfigError(f"evaluation problems not found: {path}")
    with path.open(encoding="utf-8") as fh:
        for line_no, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except ValueError as exc:
                raise ConfigError(f"{path}:{line_no}: not JSON") from exc
            if not isinstance(rec, dict):
                raise ConfigError(f"{path}:{line_no}: expected a JSON object")
            yield rec


def eval_problems(source: Path | list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(id, text) of every evaluation problem in a JSONL file or inline records."""
    records = source if isinstance(source, list) else _file_records(source)
    return [problem_of(rec, f"evaluation problem {k}") for k, rec in enumerate(records, 1)]


def build_index(source: Path | list[dict[str, Any]], n: int) -> NgramIndex:
    """An index of evaluation problems from a JSONL file or inline records."""
    index = NgramIndex(n)
    for pid, text in eval_problems(source):
        index.add(pid, text)
    return index
