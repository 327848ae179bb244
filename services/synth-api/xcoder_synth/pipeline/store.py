"""The run directory: sharded append-only outputs, rejections with reasons, completion markers.

Layout (datatrove's convention: a shard is complete only once its marker exists, and the
marker is written after its outputs)::

    <run>/config.json                       the resolved run config
    <run>/stages/<stage>/meta.json          shard count, fixed when the stage first starts
    <run>/stages/<stage>/part-00003.jsonl   output records of shard 3
    <run>/stages/<stage>/rejected-00003.jsonl  dropped items: {item_id, reason, detail, ...}
    <run>/stages/<stage>/processed-00003.txt   input ids finished (outputs written first)
    <run>/stages/<stage>/stats-00003.json   counters and token usage of the shard
    <run>/stages/<stage>/done-00003         completion marker
    <run>/artifacts/                        tree, SFT/RL files, report

Several processes (and machines, on a shared filesystem) may work on one run; one shard is
worked on by one process at a time (``fcntl`` lock).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel

from xcoder_synth.errors import StoreError
from xcoder_synth.jsonl import JsonlWriter, read_jsonl, repair_tail, write_atomic

M = TypeVar("M", bound=BaseModel)


class Rejection(BaseModel):
    item_id: str
    reason: str
    detail: str = ""
    extra: dict[str, Any] = {}


class RunStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    # ------------------------------------------------------------ layout
    @property
    def config_path(self) -> Path:
        return self.root / "config.json"

    @property
    def artifacts(self) -> Path:
        return self.root / "artifacts"

    def stage_dir(self, stage: str) -> Path:
        return self.root / "stages" / stage

    def _file(self, stage: str, kind: str, shard: int, ext: str) -> Path:
        return self.stage_dir(stage) / f"{kind}-{shard:05d}{ext}"

    def part(self, stage: str, shard: int) -> Path:
        return self._file(stage, "part", shard, ".jsonl")

    def rejected(self, stage: str, shard: int) -> Path:
        return self._file(stage, "rejected", shard, ".jsonl")

    def processed(self, stage: str, shard: int) -> Path:
        return self._file(stage, "processed", shard, ".txt")

    def stats_path(self, stage: str, shard: int) -> Path:
        return self._file(stage, "stats", shard, ".json")

    def marker(self, stage: str, shard: int) -> Path:
        return self._file(stage, "done", shard, "")

    # ------------------------------------------------------------ shards
    def n_shards(self, stage: str, default: int) -> int:
        """The stage's shard count: fixed by its first start so resumed shards keep their items."""
        meta = self.stage_dir(stage) / "meta.json"
        if meta.exists():
            return int(json.loads(meta.read_text())["n_shards"])
        write_atomic(meta, json.dumps({"n_shards": default}))
        return default

    def known_shards(self, stage: str) -> int | None:
        meta = self.stage_dir(stage) / "meta.json"
        return int(json.loads(meta.read_text())["n_shards"]) if meta.exists() else None

    def is_done(self, stage: str, shard: int) -> bool:
        return self.marker(stage, shard).exists()

    def done_shards(self, stage: str) -> int:
        return len(list(self.stage_dir(stage).glob("done-*")))

    def stage_complete(self, stage: str) -> bool:
        n = self.known_shards(stage)
        return n is not None and all(self.is_done(stage, s) for s in range(n))

    def mark_done(self, stage: str, shard: int, stats: dict[str, Any]) -> None:
        write_atomic(self.stats_path(stage, shard), json.dumps(stats, indent=2, sort_keys=True))
        write_atomic(self.marker(stage, shard), "")

    @contextlib.contextmanager
    def shard_lock(self, stage: str, shard: int) -> Iterator[None]:
        """Exclusive right to work on a shard (blocks while another process holds it)."""
        path = self._file(stage, "lock", shard, "")
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a") as fh:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)

    def processed_ids(self, stage: str, shard: int) -> set[str]:
        path = self.processed(stage, shard)
        if not path.exists():
            return set()
        repair_tail(path)
        return {line for line in path.read_text(encoding="utf-8").splitlines() if line}

    def writers(self, stage: str, shard: int) -> tuple[JsonlWriter, JsonlWriter, Any]:
        out = JsonlWriter(self.part(stage, shard))
        rej = JsonlWriter(self.rejected(stage, shard))
        path = self.processed(stage, shard)
        repair_tail(path)
        done = path.open("a", encoding="utf-8")
        return out, rej, done

    # ------------------------------------------------------------ reading
    def records(self, stage: str) -> Iterator[dict[str, Any]]:
        """Every output record of a stage, each id once (a crash may have left a duplicate)."""
        seen: set[str] = set()
        for path in sorted(self.stage_dir(stage).glob("part-*.jsonl")):
            for rec in read_jsonl(path):
                rid = rec.get("id")
                if rid is not None:
                    if rid in seen:
                        continue
                    seen.add(rid)
                yield rec

    def read(self, stage: str, model: type[M]) -> Iterator[M]:
        for rec in self.records(stage):
            yield model.model_validate(rec)

    def by_id(self, stage: str, model: type[M]) -> dict[str, M]:
        return {m.id: m for m in self.read(stage, model)}  # type: ignore[attr-defined]

    def rejections(self, stage: str) -> Iterator[Rejection]:
        for path in sorted(self.stage_dir(stage).glob("rejected-*.jsonl")):
            for rec in read_jsonl(path):
                yield Rejection.model_validate(rec)

    def stats(self, stage: str) -> list[dict[str, Any]]:
        return [json.loads(p.read_text()) for p in sorted(self.stage_dir(stage).glob("stats-*.json"))]

    # ------------------------------------------------------------ admin
    def clear(self, stage: str) -> None:
        path = self.stage_dir(stage)
        if path.exists():
            shutil.rmtree(path)

    def save_config(self, data: dict[str, Any]) -> None:
        write_atomic(self.config_path, json.dumps(data, indent=2, sort_keys=True, default=str))

    def load_config_data(self) -> dict[str, Any]:
        if not self.config_path.exists():
            raise StoreError(f"{self.root} is not a run directory (no config.json)")
        return json.loads(self.config_path.read_text())
