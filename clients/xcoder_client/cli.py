"""`xcoder-client` command line: SFT rejection sampling and plugin paths.

xcoder-client filter --input cand.jsonl --output sft.jsonl [--stats stats.json] [...]
xcoder-client plugin-path swift|verl
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from xcoder_client.errors import JudgeError
from xcoder_client.filter import FilterOptions, RejectionSampler, ResumeError

EXIT_JUDGE = 3
"""Exit status when the judge failed; the checkpoint is intact, rerun the same command."""


def _plugin_path(kind: str) -> Path:
    if kind == "verl":
        from xcoder_client import verl

        return Path(verl.__file__).resolve()
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

    p = sub.add_parser("plugin-path", help="print the file a framework loads by path")
    p.add_argument("framework", choices=["swift", "verl"])
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


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "plugin-path":
        print(_plugin_path(args.framework))
        return 0
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
