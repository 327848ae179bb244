"""Content-addressed cache of completions: a rerun costs nothing, an interrupted run resumes.

Keys hash everything that defines a reply (model, messages, sampling, sample and attempt
index). Each entry is one small JSON file written atomically under ``<dir>/<k[:2]>/<k>.json``,
so several processes and machines can share one cache directory on a shared filesystem.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from xcoder_synth.ids import digest
from xcoder_synth.jsonl import write_atomic
from xcoder_synth.llm.models import ChatMessage, Completion, SamplingParams

CACHE_FORMAT = 1


def cache_key(
    *, model: str, messages: list[ChatMessage], sampling: SamplingParams, sample: int, attempt: int
) -> str:
    """The key of one request; the endpoint URL is left out so a moved server keeps its cache."""
    payload: dict[str, Any] = {
        "format": CACHE_FORMAT,
        "model": model,
        "messages": [m.model_dump() for m in messages],
        "sampling": sampling.model_dump(exclude_none=True),
        "sample": sample,
        "attempt": attempt,
    }
    return digest(payload)


class ResponseCache:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.json"

    def get(self, key: str) -> Completion | None:
        path = self._path(key)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        try:
            completion = Completion.model_validate(json.loads(data))
        except ValueError:
            return None  # a foreign or damaged file: fetch again and overwrite it
        completion.cached = True
        return completion

    def put(self, completion: Completion) -> None:
        write_atomic(self._path(completion.cache_key), completion.model_dump_json())

    def __contains__(self, key: str) -> bool:
        return self._path(key).exists()
