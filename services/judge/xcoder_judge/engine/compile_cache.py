"""Content-addressed compile cache shared by every slot (and every submission) of a node.

A key is the hash of everything that determines a compile's outcome: language, toolchain
version and paths, command, file names and sources. GRPO groups resubmit identical programs,
so most compiles are hits. Failures are cached too (with their compiler output).

Layout: <root>/<key>/ holds the artifact files (root-owned, read-only to programs, mounted at
/prog); <root>/<key>.json holds the outcome. Writes go to a temporary name and are renamed.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

TOUCH_EVERY_S = 600.0
# Outcomes read recently, kept parsed: a hit then costs one stat instead of open + read + JSON
# (every job of a hot program is a hit). The files stay the truth: an entry is used only while
# its files are still there (another process may trim them).
_MEMO_MAX = 4096


@dataclass(frozen=True)
class Artifact:
    key: str
    ok: bool
    output: str = ""
    time_s: float = 0.0
    cached: bool = False
    meta: dict = field(default_factory=dict)


def cache_key(*parts: object) -> str:
    raw = json.dumps(parts, sort_keys=True, separators=(",", ":"), default=str).encode()
    return hashlib.sha256(raw).hexdigest()


class CompileCache:
    def __init__(self, root: Path, max_bytes: int = 4 << 30) -> None:
        self.root = root
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._inflight: dict[str, Future[Artifact]] = {}
        self._touched: dict[str, float] = {}
        self._puts = 0
        self._memo: OrderedDict[str, dict] = OrderedDict()

    def get(self, key: str) -> Artifact | None:
        meta = self._memo.get(key)
        if meta is not None and not os.path.exists(self.root / (key if meta.get("ok") else f"{key}.json")):
            meta = None
            with self._lock:
                self._memo.pop(key, None)
        if meta is None:
            try:
                with open(self.root / f"{key}.json") as f:
                    meta = json.load(f)
            except (OSError, ValueError):
                return None
            if meta.get("ok") and not (self.root / key).is_dir():
                return None
            with self._lock:
                self._memo[key] = meta
                while len(self._memo) > _MEMO_MAX:
                    self._memo.popitem(last=False)
        now = time.monotonic()
        if now - self._touched.get(key, 0.0) > TOUCH_EVERY_S:
            self._touched[key] = now
            try:
                os.utime(self.root / f"{key}.json")
            except OSError:
                pass
        return Artifact(
            key, meta["ok"], meta.get("output", ""), meta.get("time_s", 0.0), True, meta.get("meta", {})
        )

    def get_or_build(self, key: str, build: Callable[[], Artifact]) -> Artifact:
        """One build per key at a time; concurrent callers wait for it."""
        hit = self.get(key)
        if hit is not None:
            return hit
        with self._lock:
            fut = self._inflight.get(key)
            owner = fut is None
            if owner:
                fut = Future()
                self._inflight[key] = fut
        assert fut is not None
        if not owner:
            return fut.result()
        try:
            art = build()
            fut.set_result(art)
            return art
        except BaseException as e:
            fut.set_exception(e)
            raise
        finally:
            with self._lock:
                self._inflight.pop(key, None)

    def put(
        self,
        key: str,
        *,
        ok: bool,
        output: str,
        time_s: float,
        files: dict[str, tuple[bytes, int]],
        meta: dict | None = None,
    ) -> Artifact:
        self.root.mkdir(parents=True, exist_ok=True)
        if ok:
            tmp = self.root / f".{key}.{os.getpid()}.{threading.get_ident()}"
            shutil.rmtree(tmp, ignore_errors=True)
            tmp.mkdir(mode=0o755)
            for name, (data, mode) in files.items():
                if "/" in name or name.startswith("."):
                    continue
                path = tmp / name
                path.write_bytes(data)
                path.chmod(0o755 if mode & 0o111 else 0o644)
            tmp.chmod(0o755)
            try:
                tmp.rename(self.root / key)
            except OSError:  # a concurrent writer won; identical content
                shutil.rmtree(tmp, ignore_errors=True)
        record = {"ok": ok, "output": output, "time_s": time_s, "meta": meta or {}}
        tmp_json = self.root / f".{key}.{os.getpid()}.{threading.get_ident()}.json"
        tmp_json.write_text(json.dumps(record))
        tmp_json.rename(self.root / f"{key}.json")
        self._puts += 1
        if self._puts % 200 == 0:
            threading.Thread(target=self.trim, daemon=True).start()
        return Artifact(key, ok, output, time_s, False, meta or {})

    def trim(self) -> None:
        """Drop the least recently used entries once the cache is larger than max_bytes."""
        entries = []
        total = 0
        for meta in self.root.glob("*.json"):
            key = meta.stem
            size = meta.stat().st_size
            d = self.root / key
            if d.is_dir():
                size += sum(p.stat().st_size for p in d.iterdir() if p.is_file())
            entries.append((meta.stat().st_mtime, key, size))
            total += size
        if total <= self.max_bytes:
            return
        for _, key, size in sorted(entries):
            (self.root / f"{key}.json").unlink(missing_ok=True)
            shutil.rmtree(self.root / key, ignore_errors=True)
            total -= size
            if total <= self.max_bytes * 0.8:
                break
        log.info("compile cache trimmed to %.1f MiB", total / 2**20)
