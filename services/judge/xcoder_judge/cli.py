"""`xcoder-judge`: serve | api | worker | check | languages | hash-key | problem check | import.

Every setting is an environment variable `XCODER_JUDGE_<NAME>` (docs/judge-config.md); each
flag `--<name>` sets the variable of the same name before the settings are read, so flags,
the environment and child processes (`serve` starts `api` and `worker`) all agree.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from collections.abc import Sequence

from pydantic import ValidationError

from xcoder_judge import __version__
from xcoder_judge.config import ENV_PREFIX, Settings, get_settings

_SERVICE = (
    "redis_url", "api_keys", "api_keys_file", "host", "port", "max_queue", "max_body_mb", "result_ttl_s", "job_retries",
    "log_level", "api_workers", "redis_pool_size", "access_log", "lease_s",
    "compat_time_s", "compat_memory_mb", "compat_wait_s", "compat_open", "metrics_require_key",
)  # fmt: skip
_ENGINE = (
    "slots", "cache_dir", "work_dir", "sandbox_uid", "cgroup", "python", "languages", "python_warm",
    "pch", "self_test", "compile_cache_mb",
)  # fmt: skip
_WORKER = ("redis_url", "log_level", "lease_s", "result_ttl_s", "job_retries", "job_threads", "worker_name")

_COMMANDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "serve": (
        "API + one worker + (without a Redis URL) an embedded Redis, on this machine",
        _SERVICE + _ENGINE + _WORKER,
    ),
    "api": ("the stateless HTTP API only (run replicas behind a load balancer)", _SERVICE),
    "worker": ("one worker with N warm sandbox slots", _ENGINE + _WORKER),
    "check": (
        "print the enforced isolation and the languages; exit 1 if the sandbox cannot start",
        (*_ENGINE, "log_level"),
    ),
    "languages": ("print the languages found on this node, with versions", (*_ENGINE, "log_level")),
}


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="xcoder-judge",
        description="X-Coder code judge. Every flag --NAME sets the environment variable XCODER_JUDGE_NAME.",
    )
    parser.add_argument("--version", action="version", version=f"xcoder-judge {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command, (summary, names) in _COMMANDS.items():
        sub = commands.add_parser(command, help=summary, description=summary)
        seen: set[str] = set()
        for name in names:
            if name in seen:
                continue
            seen.add(name)
            field = Settings.model_fields[name]
            env = ENV_PREFIX + name.upper()
            sub.add_argument(
                _flag(name),
                dest=f"setting_{name}",
                metavar="VALUE",
                help=f"{field.description or ''} [{env}]",
            )
        if command == "api":
            sub.add_argument(
                "--workers", dest="setting_api_workers", metavar="N", help="same as --api-workers"
            )
        if command in ("check", "languages"):
            sub.add_argument("--json", action="store_true", help="print JSON instead of text")
    _problem_parser(commands)
    text = "print the sha256:HEX form of an API key read from stdin, for XCODER_JUDGE_API_KEYS"
    hash_key = commands.add_parser("hash-key", help=text, description=text)
    hash_key.add_argument(
        "--new", action="store_true", help="make a random key (256 bits) and print it, then its hash"
    )
    return parser


def _hash_key(new: bool) -> int:
    """Read the key from stdin (never argv: it would show in `ps` and shell history)."""
    import secrets

    from xcoder_judge.service.api.keyring import hash_key

    if new:
        key = secrets.token_urlsafe(32)
        print(f"key:  {key}\nhash: {hash_key(key)}")
        return 0
    lines = sys.stdin.read().splitlines()
    key = lines[0].strip() if lines else ""
    if not key or any(line.strip() for line in lines[1:]):
        print("xcoder-judge hash-key: give exactly one key on stdin (or --new)", file=sys.stderr)
        return 2
    print(hash_key(key))
    return 0


def _setting_flags(parser: argparse.ArgumentParser, names: Sequence[str]) -> None:
    for name in dict.fromkeys(names):
        field = Settings.model_fields[name]
        parser.add_argument(
            _flag(name),
            dest=f"setting_{name}",
            metavar="VALUE",
            help=f"{field.description or ''} [{ENV_PREFIX + name.upper()}]",
        )


def _problem_parser(commands) -> None:
    summary = "Kattis/ICPC problem packages: check labelled submissions, import as submissions"
    problem = commands.add_parser("problem", help=summary, description=summary)
    verbs = problem.add_subparsers(dest="problem_command", required=True, metavar="VERB")
    text = "judge every labelled submission of a package; exit 0 when all verdicts match their folders"
    check = verbs.add_parser("check", help=text, description=text)
    text = "write the package's labelled submissions as judge submissions (JSON lines)"
    imp = verbs.add_parser("import", help=text, description=text)
    for p in (check, imp):
        p.add_argument("dir", metavar="DIR", help="the problem package (the folder holding problem.yaml)")
        p.add_argument(
            "--time-limit", type=float, metavar="S", help="CPU seconds per test, over the package's"
        )
        p.add_argument(
            "--time-scale",
            type=float,
            default=1.0,
            metavar="F",
            help="multiply the time limit by F (a safety factor for a slower machine; default 1)",
        )
    check.add_argument("--json", action="store_true", help="print the verdict matrix as JSON")
    check.add_argument("--parallel", type=int, default=2, metavar="N", help="submissions judged at once")
    _setting_flags(check, (*_ENGINE, "log_level"))
    imp.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")


def _load_settings(args: argparse.Namespace) -> Settings:
    for key, value in vars(args).items():
        if key.startswith("setting_") and value is not None:
            os.environ[ENV_PREFIX + key.removeprefix("setting_").upper()] = value
    get_settings.cache_clear()
    return get_settings()


def _settings_error(exc: ValidationError) -> str:
    lines = ["xcoder-judge: invalid settings:"]
    for err in exc.errors():
        if not err["loc"]:  # a check across fields; its message names them
            lines.append(f"  {err['msg'].removeprefix('Value error, ')}")
            continue
        name = str(err["loc"][0])
        lines.append(f"  {ENV_PREFIX}{name.upper()} ({_flag(name)}): {err['msg']}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    # Whatever the launcher blocked (a supervisor, a shell's background job), the judge's own
    # processes must take SIGTERM and SIGINT; serve's api and worker inherit this empty mask.
    signal.pthread_sigmask(signal.SIG_SETMASK, [])
    args = build_parser().parse_args(argv)
    if args.command == "hash-key":
        return _hash_key(args.new)
    try:
        settings = _load_settings(args)
    except ValidationError as exc:
        print(_settings_error(exc), file=sys.stderr)
        return 2
    from xcoder_judge.service import logs

    logs.configure(settings.log_level)
    if args.command == "serve":
        from xcoder_judge.service.serve import Serve

        return Serve(settings).run()
    if args.command == "api":
        return _run_api(settings)
    if args.command == "problem":
        from xcoder_judge.problems import cli as problem_cli

        return problem_cli.run(args, settings)
    if args.command == "worker":
        from xcoder_judge.service.worker.process import WorkerProcess

        return WorkerProcess(settings).run()
    return _inspect(settings, languages_only=args.command == "languages", as_json=args.json)


def _run_api(settings: Settings) -> int:
    import uvicorn

    uvicorn.run(
        "xcoder_judge.service.api.app:create_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.api_workers,
        loop="uvloop",
        http="httptools",
        access_log=settings.access_log,
        log_level=settings.log_level.lower(),
        backlog=4096,
        # Longer than the idle timeouts of clients and load balancers (often 60 s): the client
        # then closes first, and never reuses a connection the server is closing under it.
        timeout_keep_alive=65,
        timeout_graceful_shutdown=30,
    )
    return 0


def _inspect(settings: Settings, *, languages_only: bool, as_json: bool) -> int:
    from xcoder_judge.engine import Engine

    try:
        engine = Engine(settings)
        engine.start()
    except Exception as exc:
        print(f"xcoder-judge: the sandbox cannot start: {exc}", file=sys.stderr)
        return 1
    try:
        languages = engine.languages()
        caps = engine.capabilities()
    finally:
        engine.close()
    if as_json:
        doc: object = [lang.model_dump() for lang in languages]
        if not languages_only:
            doc = {"capabilities": caps.model_dump(), "languages": doc, "slots": settings.slots}
        print(json.dumps(doc, indent=2))
        return 0
    if not languages_only:
        print(f"isolation: {caps.level}")
        print(f"  cgroup: {caps.cgroup}; namespaces: {', '.join(caps.namespaces) or 'none'}")
        print(
            f"  seccomp: {_yes(caps.seccomp)}; uid drop: {_yes(caps.uid_drop)}; no_new_privs: {_yes(caps.no_new_privs)}"
        )
        for warning in caps.warnings:
            print(f"  warning: {warning}")
        print(f"slots: {settings.slots}")
        print("languages:")
    for lang in languages:
        aliases = f"  (aliases: {', '.join(lang.aliases)})" if lang.aliases else ""
        print(f"  {lang.id:<12} {lang.name} {lang.version}{aliases}")
    if not languages:
        print("  (none found)")
    return 0


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


if __name__ == "__main__":
    sys.exit(main())
