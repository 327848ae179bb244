"""The ``xcoder-synth`` command line (docs/synth.md lists every command)."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
from pathlib import Path

from tqdm import tqdm

from xcoder_synth.errors import SynthError
from xcoder_synth.settings import ENV_PREFIX, get_settings

log = logging.getLogger("xcoder_synth")


def _apply_overrides(args: argparse.Namespace, names: tuple[str, ...]) -> None:
    """A flag sets the environment variable of the same name, then settings are re-read."""
    for name in names:
        value = getattr(args, name, None)
        if value is not None:
            os.environ[ENV_PREFIX + name.upper()] = str(value)
    get_settings.cache_clear()


QUIET_LIBRARIES = ("httpx", "httpcore", "urllib3", "rq.worker")
"""Libraries that log every request at INFO: kept at WARNING unless --verbose, so progress bars stay readable."""


def _setup_logging(verbose: bool = False) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else get_settings().log_level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    for name in QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(logging.DEBUG if verbose else logging.WARNING)


def _stages_arg(value: str | None) -> list[str] | None:
    return [s.strip() for s in value.split(",") if s.strip()] if value else None


def cmd_run(args: argparse.Namespace) -> int:
    _apply_overrides(args, ("judge_url",))
    from xcoder_synth.pipeline.config import load_config
    from xcoder_synth.pipeline.runner import open_run, redo, run_local, run_status, select_stages

    config = load_config(Path(args.config))
    stages = select_stages(_stages_arg(args.stages), start=args.start, stop=args.stop)
    store = open_run(config)
    if args.redo:
        cleared = redo(store, args.redo)
        log.info("cleared stages: %s", ", ".join(cleared))
    progress = not args.no_progress
    if args.dispatch == "local":
        run_local(store, config, stages, progress=progress)
    else:
        from xcoder_synth.pipeline.dispatch import enqueue_run, redis_connection, wait_for

        conn = redis_connection()
        settings = get_settings()
        jobs = enqueue_run(
            store,
            stages,
            config=config,
            queue_name=settings.queue,
            connection=conn,
            job_timeout_s=settings.job_timeout_s,
        )
        log.info("enqueued %d shard job(s) on queue %r; waiting for workers", len(jobs), settings.queue)
        bar = tqdm(total=len(jobs), desc="shards", unit="job", disable=not progress)

        def update(done: int, total: int) -> None:
            bar.n = done
            bar.refresh()

        try:
            wait_for(jobs, connection=conn, on_update=update)
        finally:
            bar.close()
    for st in run_status(store):
        if st.name in stages:
            print(f"{st.name:9s} records={st.records:<6d} dropped={st.dropped or '-'}")
    print(f"run directory: {store.root}")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from xcoder_synth.pipeline.runner import load_run, run_status

    store, _ = load_run(Path(args.run_dir))
    rows = [s.model_dump() for s in run_status(store)]
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    for r in rows:
        shards = f"{r['done_shards']}/{r['shards']}" if r["shards"] is not None else "-"
        state = "complete" if r["complete"] else ("started" if r["shards"] is not None else "pending")
        print(
            f"{r['name']:9s} {state:9s} shards={shards:7s} records={r['records']:<6d} dropped={r['dropped'] or '-'}"
        )
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    from rq import Worker

    from xcoder_synth.pipeline.dispatch import redis_connection

    _apply_overrides(args, ("redis_url", "queue"))
    settings = get_settings()
    worker = Worker([settings.queue], connection=redis_connection(settings.redis_url), name=args.name)
    worker.work(burst=args.burst, logging_level=settings.log_level)
    return 0


def cmd_api(args: argparse.Namespace) -> int:
    import uvicorn

    from xcoder_synth.service.app import create_app

    _apply_overrides(args, ("host", "port", "redis_url", "data_dir"))
    settings = get_settings()
    uvicorn.run(
        create_app(settings), host=settings.host, port=settings.port, log_level=settings.log_level.lower()
    )
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    from xcoder_synth.service.single import run_verify_request

    _apply_overrides(args, ("judge_url",))
    payload = json.loads(Path(args.request).read_text())
    result = asyncio.run(run_verify_request(payload))
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0 if result["status"] == "verified" else 3


def cmd_replay(args: argparse.Namespace) -> int:
    import uvicorn

    from xcoder_synth.testing.replay import create_app, load_rules

    rules = load_rules([Path(p) for p in args.recordings])
    print(f"serving {len(rules)} recording rule(s) at http://{args.host}:{args.port}/v1", file=sys.stderr)
    uvicorn.run(create_app(rules), host=args.host, port=args.port, log_level="warning")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="xcoder-synth", description="SynthSmith: synthetic tasks, solutions, tests."
    )
    p.add_argument("-v", "--verbose", action="store_true", help="debug logs, every library request included")
    sub = p.add_subparsers(dest="command", required=True)

    r = sub.add_parser("run", help="run (or resume) a pipeline from a config file")
    r.add_argument("config", help="run config (YAML or JSON)")
    r.add_argument("--stages", help="comma-separated stages to run (default: all)")
    r.add_argument("--from", dest="start", help="first stage to run")
    r.add_argument("--to", dest="stop", help="last stage to run")
    r.add_argument("--redo", metavar="STAGE", help="forget STAGE and every later stage before running")
    r.add_argument(
        "--dispatch", choices=("local", "rq"), default="local", help="run here, or as RQ jobs for workers"
    )
    r.add_argument("--no-progress", action="store_true", help="no progress bars")
    r.add_argument(
        "--judge-url", help="judge base URL (overrides XCODER_SYNTH_JUDGE_URL and the config's judge.url)"
    )
    r.set_defaults(func=cmd_run)

    s = sub.add_parser("status", help="show a run's progress per stage")
    s.add_argument("run_dir")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_status)

    w = sub.add_parser("worker", help="an RQ worker for shard jobs and API requests")
    w.add_argument("--redis-url")
    w.add_argument("--queue")
    w.add_argument("--name")
    w.add_argument("--burst", action="store_true", help="exit when the queue is empty")
    w.set_defaults(func=cmd_worker)

    a = sub.add_parser("api", help="serve the synth-api")
    a.add_argument("--host")
    a.add_argument("--port", type=int)
    a.add_argument("--redis-url")
    a.add_argument("--data-dir")
    a.set_defaults(func=cmd_api)

    v = sub.add_parser(
        "verify", help="dual-verify one task from a request file (JSON, as POST /v1/stages/verify)"
    )
    v.add_argument("request")
    v.add_argument("--judge-url")
    v.set_defaults(func=cmd_verify)

    rp = sub.add_parser("replay", help="serve recorded chat completions (an OpenAI-compatible test endpoint)")
    rp.add_argument("recordings", nargs="+", help="recording files or folders")
    rp.add_argument("--host", default="127.0.0.1")
    rp.add_argument("--port", type=int, default=8101)
    rp.set_defaults(func=cmd_replay)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _setup_logging(args.verbose)
    try:
        return args.func(args)
    except SynthError as exc:
        print(f"xcoder-synth: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("xcoder-synth: interrupted; rerun the same command to resume", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
