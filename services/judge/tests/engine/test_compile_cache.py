"""The compile cache: content-addressed, crash-safe writes, one build per key at a time."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from xcoder_judge.engine.compile_cache import Artifact, CompileCache, cache_key


def test_key_depends_on_every_part() -> None:
    base = cache_key("cpp17", "12.2", "int main(){}")
    assert base == cache_key("cpp17", "12.2", "int main(){}")
    assert base != cache_key("cpp17", "12.3", "int main(){}")
    assert base != cache_key("cpp20", "12.2", "int main(){}")
    assert base != cache_key("cpp17", "12.2", "int main(){ }")


def test_put_then_get_round_trips_files_and_outcome(tmp_path: Path) -> None:
    cache = CompileCache(tmp_path)
    key = cache_key("x")
    made = cache.put(
        key, ok=True, output="warning: x", time_s=0.5, files={"main": (b"\x7fELF", 0o755)}, meta={"m": 1}
    )
    assert not made.cached
    got = cache.get(key)
    assert got == Artifact(key, True, "warning: x", 0.5, True, {"m": 1})
    assert (tmp_path / key / "main").read_bytes() == b"\x7fELF"
    assert (tmp_path / key / "main").stat().st_mode & 0o777 == 0o755
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporaries left


def test_failures_are_cached_without_files(tmp_path: Path) -> None:
    cache = CompileCache(tmp_path)
    key = cache_key("bad")
    cache.put(key, ok=False, output="error: x", time_s=0.1, files={})
    got = cache.get(key)
    assert got is not None and not got.ok and got.output == "error: x"
    assert not (tmp_path / key).exists()


def test_an_ok_record_without_its_files_is_a_miss(tmp_path: Path) -> None:
    cache = CompileCache(tmp_path)
    key = cache_key("gone")
    cache.put(key, ok=True, output="", time_s=0, files={"main": (b"x", 0o755)})
    (tmp_path / key / "main").unlink()
    (tmp_path / key).rmdir()
    assert cache.get(key) is None


def test_a_remembered_hit_is_dropped_once_its_files_are_gone(tmp_path: Path) -> None:
    """Hits are kept parsed in memory, but another process may trim the files: then a miss."""
    cache = CompileCache(tmp_path)
    ok, bad = cache_key("kept"), cache_key("kept-ce")
    cache.put(ok, ok=True, output="", time_s=0, files={"main": (b"x", 0o755)})
    cache.put(bad, ok=False, output="error: x", time_s=0, files={})
    assert cache.get(ok) is not None and cache.get(bad) is not None  # both remembered now
    (tmp_path / f"{bad}.json").unlink()
    assert cache.get(bad) is None
    (tmp_path / ok / "main").unlink()
    (tmp_path / ok).rmdir()
    assert cache.get(ok) is None
    # and a fresh entry under the same key is read again from its files
    cache.put(ok, ok=False, output="now a CE", time_s=0, files={})
    hit = cache.get(ok)
    assert hit is not None and not hit.ok and hit.output == "now a CE"


def test_concurrent_requests_for_one_key_build_once(tmp_path: Path) -> None:
    cache = CompileCache(tmp_path)
    key = cache_key("once")
    builds = []

    def build() -> Artifact:
        builds.append(1)
        time.sleep(0.2)
        return cache.put(key, ok=True, output="", time_s=0.2, files={"main": (b"x", 0o755)})

    results = []
    threads = [
        threading.Thread(target=lambda: results.append(cache.get_or_build(key, build))) for _ in range(8)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(builds) == 1
    assert len(results) == 8 and all(r.ok for r in results)


def test_trim_drops_least_recently_used_entries(tmp_path: Path) -> None:
    cache = CompileCache(tmp_path, max_bytes=3000)
    keys = [cache_key(i) for i in range(5)]
    for i, key in enumerate(keys):
        cache.put(key, ok=True, output="", time_s=0, files={"main": (b"x" * 1000, 0o755)})
        path = tmp_path / f"{key}.json"
        t = time.time() - 100 + i
        import os

        os.utime(path, (t, t))
    cache.trim()
    kept = [k for k in keys if cache.get(k) is not None]
    assert kept and keys[-1] in kept and keys[0] not in kept


def test_plan_keys_hold_the_harness_digest_not_its_bytes(monkeypatch) -> None:
    """The harness scripts are in every Python build, so a change to them must change the key;
    the key holds their digest, computed once, instead of re-encoding ~20 KB per job."""
    import hashlib

    from xcoder_judge.engine.compile_plan import plan_compile
    from xcoder_judge.engine.languages import KNOWN_LANGUAGES, base
    from xcoder_judge.engine.languages.base import Toolchain
    from xcoder_judge.engine.languages.harness import HARNESS_DIGEST, HARNESS_FILES
    from xcoder_wire.schemas import CompileLimits

    joined = b"\0".join(HARNESS_FILES[name] for name in sorted(HARNESS_FILES))
    assert hashlib.sha256(joined).hexdigest() == HARNESS_DIGEST
    python, c = KNOWN_LANGUAGES["python3"], KNOWN_LANGUAGES["c"]
    assert python.harness_digest() == HARNESS_DIGEST and c.harness_digest() == ""

    def key() -> str:
        tc = Toolchain(python, {k: f"/usr/bin/{k}" for k in python.tools}, "3.11")
        return plan_compile(
            tc, "print(1)\n", {}, CompileLimits(), pch=False, linker="bfd", python_warm=True
        ).key

    before = key()
    assert key() == before
    monkeypatch.setattr(base, "HARNESS_DIGEST", "0" * 64)
    assert key() != before
