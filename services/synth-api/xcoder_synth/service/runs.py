"""Data functions behind the run routes: create, resume and describe runs kept under the data dir."""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import redis
from rq import Queue
from rq.exceptions import NoSuchJobError
from rq.job import Job

from xcoder_synth.errors import ConfigError, StoreError
from xcoder_synth.jsonl import write_atomic
from xcoder_synth.pipeline.config import parse_config
from xcoder_synth.pipeline.runner import load_run, open_run, run_status, select_stages
from xcoder_synth.pipeline.store import RunStore
from xcoder_synth.service.schemas import Artifact, RunInfo
from xcoder_synth.settings import Settings

RUN_FILE = "run.json"


RUN_ID = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$")


def _run_dir(settings: Settings, run_id: str) -> Path:
    if not RUN_ID.fullmatch(run_id):
        raise StoreError(f"invalid run id {run_id!r}")
    path = settings.runs_dir / run_id
    if not (path / RUN_FILE).exists():
        raise StoreError(f"no run {run_id!r}")
    return path


def _dispatch(settings: Settings, conn: redis.Redis, run_dir: Path, stages: list[str]) -> str:
    queue = Queue(settings.queue, connection=conn)
    job = queue.enqueue_call(
        "xcoder_synth.pipeline.jobs.start_run",
        args=(str(run_dir), stages, settings.queue, settings.job_timeout_s),
        timeout=600,
        result_ttl=30 * 86400,
        failure_ttl=30 * 86400,
        description=f"xcoder-synth dispatch {run_dir.name}",
    )
    meta = json.loads((run_dir / RUN_FILE).read_text())
    meta["dispatches"].append({"driver_job": job.id, "stages": stages, "at": _now()})
    write_atomic(run_dir / RUN_FILE, json.dumps(meta, indent=2))
    return job.id


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def create_run(
    settings: Settings,
    conn: redis.Redis,
    config: dict[str, Any],
    stages: list[str] | None,
    start: str | None,
    stop: str | None,
) -> str:
    chosen = select_stages(stages, start=start, stop=stop)
    name = str(config.get("name", "run"))
    run_id = f"{name}-{uuid.uuid4().hex[:8]}"
    run_dir = (settings.runs_dir / run_id).resolve()
    data = dict(config)
    data["output_dir"] = str(run_dir)
    data.setdefault("cache_dir", str((settings.cache_dir / "llm").resolve()))
    root = settings.data_dir.resolve()
    cfg = parse_config(data, base=root, source="config")
    for name in ("seeds", "eval_problems", "cache_dir"):
        path = getattr(cfg, name)
        if isinstance(path, Path) and root not in path.resolve().parents:
            raise ConfigError(
                f"config.{name}: {path} is outside the data directory; API runs only read files under it"
            )
    open_run(cfg)
    write_atomic(
        run_dir / RUN_FILE,
        json.dumps({"id": run_id, "name": cfg.name, "created_at": _now(), "dispatches": []}),
    )
    _dispatch(settings, conn, run_dir, chosen)
    return run_id


def resume_run(
    settings: Settings,
    conn: redis.Redis,
    run_id: str,
    stages: list[str] | None,
    start: str | None,
    stop: str | None,
) -> None:
    run_dir = _run_dir(settings, run_id)
    _dispatch(settings, conn, run_dir, select_stages(stages, start=start, stop=stop))


def _job(conn: redis.Redis, job_id: str) -> Job | None:
    try:
        return Job.fetch(job_id, connection=conn)
    except NoSuchJobError:
        return None


def run_info(settings: Settings, conn: redis.Redis, run_id: str) -> RunInfo:
    run_dir = _run_dir(settings, run_id)
    meta = json.loads((run_dir / RUN_FILE).read_text())
    store, _ = load_run(run_dir)
    stages = run_status(store)
    state, error = "queued", None
    counts: Counter[str] = Counter()
    if meta["dispatches"]:
        last = meta["dispatches"][-1]
        driver = _job(conn, last["driver_job"])
        dstatus = driver.get_status(refresh=True) if driver else None
        if dstatus is None:
            state, error = "failed", "the dispatch job expired or was lost; resume the run"
        elif dstatus.value == "failed":
            result = driver.latest_result() if driver else None
            state, error = (
                "failed",
                (result.exc_string or "").strip().splitlines()[-1] if result else "dispatch failed",
            )
        elif dstatus.value == "finished":
            for jid in driver.return_value() or []:  # type: ignore[union-attr]
                job = _job(conn, jid)
                status = job.get_status(refresh=True) if job else None
                counts[status.value if status else "expired"] += 1
            wanted = {s for s in last["stages"]}
            done = all(s.complete for s in stages if s.name in wanted)
            if counts.get("failed"):
                state, error = "failed", "a shard job failed; see the worker log, then resume the run"
            elif done:
                state = "complete"
            else:
                state = "running"
        else:
            state = "queued" if dstatus.value in ("queued", "deferred", "scheduled") else "running"
    return RunInfo(
        id=run_id,
        name=meta["name"],
        created_at=meta["created_at"],
        state=state,
        stages=stages,
        jobs=dict(counts),
        error=error,
    )


def list_runs(settings: Settings) -> list[str]:
    if not settings.runs_dir.exists():
        return []
    return sorted(p.parent.name for p in settings.runs_dir.glob(f"*/{RUN_FILE}"))


def artifacts(settings: Settings, run_id: str) -> list[Artifact]:
    store = RunStore(_run_dir(settings, run_id))
    root = store.artifacts
    if not root.exists():
        return []
    return [
        Artifact(path=str(p.relative_to(root)), bytes=p.stat().st_size)
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.name.startswith(".")
    ]


def artifact_path(settings: Settings, run_id: str, rel: str) -> Path:
    root = (RunStore(_run_dir(settings, run_id)).artifacts).resolve()
    path = (root / rel).resolve()
    if root not in path.parents or not path.is_file():
        raise StoreError(f"no artifact {rel!r} in run {run_id!r}")
    return path
