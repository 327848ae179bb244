"""`xcoder-client` command line: SFT rejection sampling and plugin paths.

xcoder-client filter --input cand.jsonl --output sft.jsonl [--stats stats.json] [...]
xcoder-client serve-reward --port 5000 [--judge-url URL] [--reward fraction] [...]
xcoder-client plugin-path swift|verl|openrlhf
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from xcoder_client.errors import JudgeError
from xcoder_client.filter import FilterOptions, RejectionSampler, ResumeError
from xcoder_client.reward import RewardShape

EXIT_JUDGE = 3
"""Exit status when the judge failed; the checkpoint is intact, rerun the same command."""


def _plugin_path(kind: str) -> Path:
    if kind == "verl":
        from xcoder_client import verl

        return Path(verl.__file__).resolve()
    if kind == "openrlhf":
        from xcoder_client import openrlhf_reward_func

        return Path(openrlhf_reward_func.__file__).resolve()
    from xcoder_client import plugins

    return (Path(plugins.__file__).parent / "xcoder_swift_plugin.py").resolve()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="xcoder-client", description="X-Coder judge clients")
    sub = parser.add_subparsers(dest="command", required=True)

    f = sub.add_parser("filter", help="SFT rejection sampling: keep responses that pass their tests")
    f.add_argument("--input", required=True, type=Path, help="JSONL: query/messages, response(s), tests")
    f.add_argument("--output", required=True, type=Path, help="SFT JSONL of passing responses")
    f.add_argument(
        "--format", dest="output_format", choices=["query_response", "messages"], default="query_response"
    )
    f.add_argument("--stats", type=Path, help="write pass statistics (JSON) here")
    f.add_argument("--rejected", type=Path, help="also write failing candidates here")
    f.add_argument("--judge-url", help="judge base URL (default: XCODER_CLIENT_JUDGE_URL)")
    f.add_argument("--language", default="python")
    f.add_argument("--min-pass-rate", type=float, default=1.0, help="fraction of tests to pass (default 1.0)")
    f.add_argument("--max-tests", type=int, help="judge on a deterministic subset of at most N tests")
    f.add_argument("--max-per-query", type=int, default=0, help="passing responses kept per task (0: all)")
    f.add_argument("--time-limit", dest="time_limit_s", type=float)
    f.add_argument("--memory-mb", type=int)
    f.add_argument("--chunk-records", type=int, default=64, help="tasks per judge call and checkpoint")
    f.add_argument("--restart", action="store_true", help="discard existing outputs and start over")
    f.add_argument("--no-progress", action="store_true")

    r = sub.add_parser(
        "serve-reward", help="OpenRLHF remote reward endpoint (--remote_rm_url) over the judge"
    )
    r.add_argument("--host", default="127.0.0.1")
    r.add_argument("--port", type=int, default=5000)
    r.add_argument("--judge-url", help="judge base URL (default: XCODER_CLIENT_JUDGE_URL)")
    r.add_argument("--reward", choices=[s.value for s in RewardShape], default="fraction")
    r.add_argument("--max-tests", type=int, default=10, help="per-task test subset (0: all tests)")
    r.add_argument(
        "--language", default="python", help="default solution language (a label may name its own)"
    )
    r.add_argument("--time-limit", dest="time_limit_s", type=float)
    r.add_argument("--memory-mb", type=int)
    r.add_argument("--max-concurrency", type=int, help="batch requests in flight to the judge")

    p = sub.add_parser("plugin-path", help="print the file a framework loads by path")
    p.add_argument("framework", choices=["swift", "verl", "openrlhf"])
    return parser


def _filter(args: argparse.Namespace) -> int:
    from xcoder_client.client import JudgeClient

    options = FilterOptions(
        language=args.language,
        output_format=args.output_format,
        min_pass_rate=args.min_pass_rate,
        max_tests=args.max_tests,
        max_per_query=args.max_per_query,
        time_limit_s=args.time_limit_s,
        memory_mb=args.memory_mb,
        chunk_records=args.chunk_records,
    )
    with JudgeClient(args.judge_url) as client:
        stats = RejectionSampler(client, options).run(
            args.input,
            args.output,
            stats_path=args.stats,
            rejected_path=args.rejected,
            restart=args.restart,
            show_progress=not args.no_progress,
        )
    print(json.dumps(stats.as_dict()))
    return 0


def _serve_reward(args: argparse.Namespace) -> int:
    from xcoder_client.openrlhf_reward import OpenRLHFRewardOptions
    from xcoder_client.reward_server import make_server
    from xcoder_client.settings import get_settings

    try:
        options = OpenRLHFRewardOptions(
            judge_url=args.judge_url or get_settings().judge_url,
            reward=args.reward,
            max_tests=args.max_tests or None,
            language=args.language,
            time_limit_s=args.time_limit_s,
            memory_mb=args.memory_mb,
            max_concurrency=args.max_concurrency,
        )
    except ValueError as exc:
        print(f"xcoder-client: {exc}", file=sys.stderr)
        return 2
    if not options.judge_url:
        print("xcoder-client: no judge URL (--judge-url or XCODER_CLIENT_JUDGE_URL)", file=sys.stderr)
        return 2
    server = make_server(args.host, args.port, options)
    host, port = server.server_address[:2]
    print(
        f"xcoder-client: OpenRLHF reward endpoint on http://{host}:{port}/get_reward",
        file=sys.stderr,
        flush=True,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "plugin-path":
        print(_plugin_path(args.framework))
        return 0
    if args.command == "serve-reward":
        return _serve_reward(args)
    try:
        return _filter(args)
    except ResumeError as exc:
        print(f"xcoder-client: {exc}", file=sys.stderr)
        return 2
    except JudgeError as exc:
        print(f"xcoder-client: judge failed: {exc}\nRerun the same command to resume.", file=sys.stderr)
        return EXIT_JUDGE


if __name__ == "__main__":
    sys.exit(main())
