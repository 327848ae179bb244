"""Convert SFT data into the JSONL that ms-swift 4.x reads.

Two sources:

* ``hf``    -- ``IIGroup/X-Coder-SFT-376k`` (or any Hugging Face dataset with query/response-like
  columns), loaded with ``datasets``. ``--data-files`` loads a local mirror (parquet/JSONL) through
  the same code path instead of the hub.
* ``files`` -- local JSONL / JSON / parquet files, e.g. SynthSmith's SFT export.

Two output formats, both understood by ms-swift's ``AutoPreprocessor``:

* ``query-response``: ``{"query": ..., "response": ...}`` (+ ``"system"``, + ``"history"`` for
  multi-turn rows);
* ``messages``: ``{"messages": [{"role": "system"|"user"|"assistant", "content": ...}, ...]}``.

Input rows may be in any of these shapes (the first one that matches wins):

* chat lists under ``messages`` / ``conversations`` / ``conversation`` / ``prompt`` (+ an optional
  assistant answer under a response column), with ``role``/``content`` or ShareGPT
  ``from``/``value`` keys;
* a query column (``query``, ``question``, ``problem``, ``prompt``, ``instruction``[+``input``]) and a
  response column (``response``, ``answer``, ``output``, ``completion``, ``solution``).

Rows that cannot be converted are skipped and counted by reason; the counts are printed at the end
(and written with ``--stats``). Examples::

    python -m sft.convert hf --out data/sft/hybrid_376k.jsonl
    python -m sft.convert hf --subset hybrid_376k --format messages --out data/sft/hybrid_msgs.jsonl
    python -m sft.convert files synth_out/sft.jsonl --out data/sft/synth.jsonl --require-code
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HF_REPO = "IIGroup/X-Coder-SFT-376k"
HF_SUBSET = "hybrid_376k"  # the subset X-Coder trains on (376,491 rows)

FORMATS = ("query-response", "messages")

QUERY_KEYS = ("query", "question", "problem", "prompt", "instruction")
RESPONSE_KEYS = ("response", "answer", "output", "completion", "solution")
CHAT_KEYS = ("messages", "conversations", "conversation")
SYSTEM_KEYS = ("system", "system_prompt")

_ROLE_ALIASES = {
    "system": "system",
    "user": "user",
    "human": "user",
    "assistant": "assistant",
    "gpt": "assistant",
    "model": "assistant",
    "bot": "assistant",
}


class SkipRow(Exception):
    """A row that cannot become a training example; `reason` is a short counter key."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass
class Example:
    """One training conversation: optional system prompt, then alternating user/assistant turns."""

    system: str | None
    turns: list[tuple[str, str]]  # [(user, assistant), ...], at least one

    def to_query_response(self) -> dict[str, Any]:
        query, response = self.turns[-1]
        row: dict[str, Any] = {}
        if self.system:
            row["system"] = self.system
        row["query"] = query
        row["response"] = response
        if len(self.turns) > 1:
            row["history"] = [[q, r] for q, r in self.turns[:-1]]
        return row

    def to_messages(self) -> dict[str, Any]:
        messages = []
        if self.system:
            messages.append({"role": "system", "content": self.system})
        for query, response in self.turns:
            messages.append({"role": "user", "content": query})
            messages.append({"role": "assistant", "content": response})
        return {"messages": messages}

    def render(self, fmt: str) -> dict[str, Any]:
        if fmt == "messages":
            return self.to_messages()
        if fmt == "query-response":
            return self.to_query_response()
        raise ValueError(f"unknown format {fmt!r}; expected one of {FORMATS}")


# ------------------------------------------------------------------ normalisation


def _text(value: Any) -> str | None:
    """A non-blank string, or None."""
    if isinstance(value, str) and value.strip():
        return value
    return None


def _first(record: dict[str, Any], keys: Iterable[str]) -> tuple[str | None, Any]:
    for key in keys:
        if key in record and record[key] is not None:
            return key, record[key]
    return None, None


def _as_list(value: Any) -> list[Any] | None:
    """Chat lists arrive as lists, tuples or numpy arrays (pandas/parquet); JSON strings too."""
    if isinstance(value, str):
        stripped = value.lstrip()
        if not stripped.startswith("["):
            return None
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            return None
    if hasattr(value, "tolist") and not isinstance(value, (str, bytes)):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        return list(value)
    return None


def _chat_messages(items: list[Any]) -> list[tuple[str, str]]:
    """[(role, content)] from role/content or ShareGPT from/value dicts."""
    out = []
    for item in items:
        if not isinstance(item, dict):
            raise SkipRow("bad_message")
        role = item.get("role", item.get("from"))
        content = item.get("content", item.get("value"))
        role = _ROLE_ALIASES.get(str(role).lower()) if role is not None else None
        if role is None:
            raise SkipRow("unknown_role")
        if not isinstance(content, str):
            raise SkipRow("bad_message")
        out.append((role, content))
    return out


def _from_chat(messages: list[tuple[str, str]], system: str | None) -> Example:
    if messages and messages[0][0] == "system":
        system = messages[0][1] or system
        messages = messages[1:]
    if not messages:
        raise SkipRow("empty_conversation")
    if len(messages) % 2 or any(
        role != ("user" if i % 2 == 0 else "assistant") for i, (role, _) in enumerate(messages)
    ):
        raise SkipRow("turns_not_alternating")
    turns = []
    for i in range(0, len(messages), 2):
        query, response = messages[i][1], messages[i + 1][1]
        if not query.strip():
            raise SkipRow("empty_query")
        if not response.strip():
            raise SkipRow("empty_response")
        turns.append((query, response))
    return Example(system=_text(system), turns=turns)


def normalize(record: dict[str, Any]) -> Example:
    """Turn one input row into an `Example`, or raise `SkipRow`."""
    if not isinstance(record, dict):
        raise SkipRow("not_an_object")
    _, system = _first(record, SYSTEM_KEYS)
    system = _text(system)

    # 1. A chat list (messages / conversations / a verl-style chat `prompt`).
    for key in (*CHAT_KEYS, "prompt"):
        items = _as_list(record.get(key))
        if items is None:
            continue
        messages = _chat_messages(items)
        if messages and messages[-1][0] == "user":
            # A prompt-only chat (verl RL style) plus a separate response column.
            _, response = _first(record, RESPONSE_KEYS)
            if _text(response) is None:
                raise SkipRow("missing_response")
            messages.append(("assistant", response))
        return _from_chat(messages, system)

    # 2. Flat query/response columns.
    _, query = _first(record, QUERY_KEYS)
    if isinstance(query, str) and "instruction" in record and _text(record.get("input")):
        query = f"{record['instruction']}\n\n{record['input']}"
    _, response = _first(record, RESPONSE_KEYS)
    if query is None:
        raise SkipRow("missing_query")
    if response is None:
        raise SkipRow("missing_response")
    if _text(query) is None:
        raise SkipRow("empty_query")
    if _text(response) is None:
        raise SkipRow("empty_response")
    return Example(system=system, turns=[(query, response)])


# ------------------------------------------------------------------ readers


def _progress(iterable: Iterable[Any], total: int | None, desc: str, enabled: bool) -> Iterable[Any]:
    if not enabled:
        return iterable
    try:
        from tqdm import tqdm
    except ImportError:  # pragma: no cover - tqdm is in sft/requirements.txt
        return iterable
    return tqdm(iterable, total=total, desc=desc, unit="rows", dynamic_ncols=True, file=sys.stderr)


def _expand(paths: Iterable[str]) -> list[Path]:
    out: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(
                p for p in path.rglob("*") if p.suffix in (".jsonl", ".json", ".parquet") and p.is_file()
            )
            if not found:
                raise FileNotFoundError(f"{path}: no .jsonl, .json or .parquet files inside")
            out.extend(found)
        elif path.is_file():
            out.append(path)
        else:
            raise FileNotFoundError(f"{path}: no such file or directory")
    return out


class InvalidInput(ValueError):
    """The input file itself is broken (not a row that can be skipped)."""


def iter_file_rows(path: Path, *, skip_invalid: bool, stats: Counter) -> Iterator[dict[str, Any]]:
    """Rows of one JSONL, JSON-array or parquet file."""
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        parquet = pq.ParquetFile(path)
        for batch in parquet.iter_batches(batch_size=1024):
            yield from batch.to_pylist()
        return
    if path.suffix == ".json":
        with path.open(encoding="utf-8") as fh:
            first = fh.read(1)
            while first and first.isspace():
                first = fh.read(1)
        if first == "[":
            data = json.loads(path.read_text(encoding="utf-8"))
            yield from data
            return
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                yield json.loads(line)
            except json.JSONDecodeError as exc:
                if not skip_invalid:
                    raise InvalidInput(
                        f"{path}:{lineno}: not valid JSON ({exc.msg}); pass --skip-invalid to skip such lines"
                    ) from exc
                stats["skipped:invalid_json"] += 1


def count_rows(paths: list[Path]) -> int | None:
    """Row count for the progress bar: exact for parquet, line count for JSONL (cheap)."""
    total = 0
    for path in paths:
        if path.suffix == ".parquet":
            import pyarrow.parquet as pq

            total += pq.ParquetFile(path).metadata.num_rows
        elif path.suffix == ".jsonl":
            with path.open("rb") as fh:
                total += sum(1 for line in fh if line.strip())
        else:
            return None
    return total


def load_hf_rows(
    repo: str,
    subset: str | None,
    split: str,
    *,
    revision: str | None = None,
    streaming: bool = False,
    data_files: list[str] | None = None,
    cache_dir: str | None = None,
) -> tuple[Iterable[dict[str, Any]], int | None]:
    """Rows of a Hugging Face dataset (or of local files through the same `datasets` loader)."""
    try:
        import datasets
    except ImportError as exc:
        raise SystemExit(
            "the `hf` source needs the `datasets` package: pip install -r sft/requirements.txt"
        ) from exc

    if data_files:
        suffixes = {Path(f).suffix for f in data_files}
        if suffixes <= {".parquet"}:
            builder = "parquet"
        elif suffixes <= {".jsonl", ".json"}:
            builder = "json"
        else:
            raise SystemExit(f"--data-files must be all parquet or all JSON/JSONL, got {sorted(suffixes)}")
        ds = datasets.load_dataset(
            builder, data_files=data_files, split=split, streaming=streaming, cache_dir=cache_dir
        )
    else:
        ds = datasets.load_dataset(
            repo, subset, split=split, revision=revision, streaming=streaming, cache_dir=cache_dir
        )
    total = None if streaming else len(ds)
    return ds, total


# ------------------------------------------------------------------ conversion


@dataclass
class Options:
    fmt: str = "query-response"
    system: str | None = None
    require_code: bool = False
    dedupe: bool = False
    limit: int | None = None
    progress: bool = True
    desc: str = "convert"
    stats: Counter = field(default_factory=Counter)


def _has_final_code(response: str) -> bool:
    try:
        from xcoder_client.extract import extract_code
    except ImportError as exc:  # pragma: no cover - environment problem
        raise SystemExit("--require-code needs xcoder_client: pip install -e clients") from exc
    return extract_code(response).ok


def convert_rows(rows: Iterable[dict[str, Any]], out, opts: Options, total: int | None = None) -> Counter:
    """Write converted rows to the text stream `out`; return counters (written, skipped:<reason>)."""
    if opts.fmt not in FORMATS:
        raise ValueError(f"unknown format {opts.fmt!r}; expected one of {FORMATS}")
    stats = opts.stats
    seen: set[bytes] = set()
    for record in _progress(rows, total, opts.desc, opts.progress):
        if opts.limit is not None and stats["written"] >= opts.limit:
            break
        stats["read"] += 1
        try:
            example = normalize(record)
            if opts.system and not example.system:
                example.system = opts.system
            if opts.require_code and not _has_final_code(example.turns[-1][1]):
                raise SkipRow("no_final_code")
            row = example.render(opts.fmt)
        except SkipRow as skip:
            stats[f"skipped:{skip.reason}"] += 1
            continue
        line = json.dumps(row, ensure_ascii=False)
        if opts.dedupe:
            digest = hashlib.sha1(line.encode("utf-8")).digest()
            if digest in seen:
                stats["skipped:duplicate"] += 1
                continue
            seen.add(digest)
        out.write(line + "\n")
        stats["written"] += 1
    return stats


def convert_to_file(
    rows: Iterable[dict[str, Any]], out_path: str | Path, opts: Options, total: int | None
) -> Counter:
    """Convert into `out_path` atomically (a partial file never replaces a good one)."""
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_path.with_name(out_path.name + ".tmp")
    try:
        with tmp.open("w", encoding="utf-8") as fh:
            stats = convert_rows(rows, fh, opts, total)
        if stats["written"] == 0:
            raise SystemExit(f"no rows converted ({_summary(stats)}); {out_path} not written")
        os.replace(tmp, out_path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return stats


def _summary(stats: Counter) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(stats.items())) or "nothing read"


# ------------------------------------------------------------------ CLI


def _add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", required=True, help="output JSONL path")
    p.add_argument("--format", dest="fmt", choices=FORMATS, default="query-response")
    p.add_argument("--system", help="system prompt to add to rows that have none")
    p.add_argument(
        "--require-code",
        action="store_true",
        help="drop rows whose (last) response has no final fenced code block (xcoder_client.extract)",
    )
    p.add_argument("--dedupe", action="store_true", help="drop exact duplicate output rows")
    p.add_argument("--limit", type=int, help="stop after writing this many rows")
    p.add_argument("--stats", help="also write the counters as JSON to this path")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m sft.convert",
        description="Convert SFT data (X-Coder-SFT-376k, SynthSmith exports) to ms-swift JSONL.",
    )
    sub = parser.add_subparsers(dest="source", required=True)

    hf = sub.add_parser("hf", help="a Hugging Face dataset (default: X-Coder-SFT-376k, subset hybrid_376k)")
    hf.add_argument("--repo", default=HF_REPO)
    hf.add_argument("--subset", default=HF_SUBSET, help="dataset config name (default: %(default)s)")
    hf.add_argument("--split", default="train")
    hf.add_argument("--revision")
    hf.add_argument("--cache-dir", help="datasets cache (default: HF_DATASETS_CACHE / ~/.cache)")
    hf.add_argument("--streaming", action="store_true", help="stream rows instead of downloading first")
    hf.add_argument(
        "--data-files",
        nargs="+",
        help="load these local parquet/JSONL files with `datasets` instead of the hub (offline mirror)",
    )
    _add_common(hf)

    files = sub.add_parser("files", help="local JSONL/JSON/parquet files or folders (e.g. SynthSmith output)")
    files.add_argument("inputs", nargs="+")
    files.add_argument("--skip-invalid", action="store_true", help="skip lines that are not valid JSON")
    _add_common(files)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    opts = Options(
        fmt=args.fmt,
        system=args.system,
        require_code=args.require_code,
        dedupe=args.dedupe,
        limit=args.limit,
        progress=not args.no_progress,
    )
    try:
        if args.source == "hf":
            rows, total = load_hf_rows(
                args.repo,
                args.subset,
                args.split,
                revision=args.revision,
                streaming=args.streaming,
                data_files=args.data_files,
                cache_dir=args.cache_dir,
            )
            opts.desc = Path(args.data_files[0]).name if args.data_files else (args.subset or args.repo)
        else:
            paths = _expand(args.inputs)
            total = count_rows(paths)

            def rows_of_files() -> Iterator[dict[str, Any]]:
                for path in paths:
                    yield from iter_file_rows(path, skip_invalid=args.skip_invalid, stats=opts.stats)

            rows = rows_of_files()
            opts.desc = paths[0].name if len(paths) == 1 else f"{len(paths)} files"
        if total is not None and args.limit is not None:
            total = min(total, args.limit)
        stats = convert_to_file(rows, args.out, opts, total)
    except (FileNotFoundError, InvalidInput) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {stats['written']} rows to {args.out} ({_summary(stats)})", file=sys.stderr)
    if args.stats:
        Path(args.stats).write_text(json.dumps(dict(stats), indent=2, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
