"""X-Coder-RL-40k → verl 0.9 RL parquet whose ground truth `xcoder_client.verl` scores.

Sub-commands::

    # 1. download (all ~17 GB, or --syn-only for the synthetic half, ~8.5 GB, which the paper trains on)
    python -m rl.convert download --syn-only --out-dir data/xcoder-rl-40k

    # 2. convert: one output parquet per input file, same file name
    python -m rl.convert xcoder data/xcoder-rl-40k/syn_rl_data --out-dir data/rl/train
    python -m rl.convert xcoder data/xcoder-rl-40k/real_rl_data/non_sys_prompt/test_wo_prompt.parquet \
        --out-dir data/rl/val --split test
    #    (--syn-only download: hold out validation rows from the training data instead)
    python -m rl.convert xcoder data/xcoder-rl-40k/syn_rl_data --out-dir data/rl/train \
        --holdout 256 --holdout-dir data/rl/val

    # 3. check any verl parquet (ours, or SynthSmith's RL export) before a run
    python -m rl.convert check data/rl/train/*.parquet

    # 4. the same rows for ms-swift GRPO (rl/train_grpo_swift.sh): one JSONL of messages + tests
    python -m rl.convert swift data/rl/train --out data/swift/train.jsonl

Output rows follow verl's `RLHFDataset` schema::

    data_source   str                         "xcoder/rl-syn" (our reward does not route on it)
    prompt        list<{role, content}>       the chat prompt (X-Coder ships it without a system turn)
    ability       str                         "code"
    reward_model  {style: "rule", ground_truth: str}
    extra_info    {index: int, split: str, task_id: str, prompter_type: str, source_file: str,
                   and SynthSmith's columns (checker, style, io, ...), empty on X-Coder rows}

The schema is `xcoder_client.rl_row`'s, the one SynthSmith's RL export writes too. A row that
is already verl (e.g. SynthSmith's export) keeps its ground truth and its extra_info columns
(the reward reads `extra_info.checker`); a row whose extra_info does not fit is skipped and
counted as `bad_extra_info`.

`ground_truth` is a JSON string in TACO/verl style, whatever the source row used:

* stdin/stdout tasks: ``{"inputs": [...], "outputs": [...]}``
* LiveCodeBench-style function tasks (X-Coder `selected_uts`): ``{"inputs", "outputs", "fn_name"}``
* LeetCode assert tasks (``{"test_cases": ["assert ..."]}``): ``{"assert_case": [...]}``

Every converted row's tests are parsed with `xcoder_client.testcases.parse_tests` (the parser the
reward uses); rows it rejects, or without tests, are dropped and counted.

Why one module: it is the one command (`python -m rl.convert`) that the launch scripts and
docs name, and its sub-commands share the row reader, the writer and the test parser; each is a
short section below (row conversion, files, check, ms-swift, download, CLI). The row schema
itself is not here: it is `xcoder_client/rl_row.py`, shared with SynthSmith's export.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HF_REPO = "IIGroup/X-Coder-RL-40k"
SYN_PATTERNS = ["syn_rl_data/**"]
DATA_SOURCE = "xcoder/rl-syn"
ABILITY = "code"


def _schema():
    from xcoder_client.rl_row import arrow_schema

    return arrow_schema()


class SkipRow(Exception):
    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


# ------------------------------------------------------------------ row conversion


def _decode(value: Any, *, max_depth: int = 3) -> Any:
    """json.loads until the value is no longer a string (X-Coder double-encodes some columns)."""
    for _ in range(max_depth):
        if not isinstance(value, (str, bytes)):
            break
        try:
            value = json.loads(value)
        except (json.JSONDecodeError, UnicodeDecodeError):
            break
    return value


def _plain(value: Any) -> Any:
    """numpy arrays (pandas/datasets) to lists, recursively."""
    if hasattr(value, "tolist") and not isinstance(value, (str, bytes)):
        value = value.tolist()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def xcoder_ground_truth(row: dict[str, Any]) -> dict[str, Any]:
    """The tests of one X-Coder RL row as a TACO/verl-style dict (see the module docstring)."""
    prompter = str(row.get("prompter_type") or "")
    if prompter == "livecodebench" or ("input_output" not in row and row.get("selected_uts") is not None):
        selected = _decode(row.get("selected_uts"))
        if not isinstance(selected, dict):
            raise SkipRow("bad_tests", "selected_uts is not an object")
        inner = _decode(selected.get("input_output", selected))
        if not isinstance(inner, dict):
            raise SkipRow("bad_tests", "selected_uts.input_output is not an object")
        truth = {"inputs": inner.get("inputs") or [], "outputs": inner.get("outputs") or []}
        if inner.get("fn_name"):
            truth["fn_name"] = inner["fn_name"]
        return truth
    if "input_output" not in row or row["input_output"] is None:
        raise SkipRow("no_tests", "no input_output or selected_uts column")
    io = _decode(row["input_output"])
    if not isinstance(io, dict):
        raise SkipRow("bad_tests", "input_output is not an object")
    if "test_cases" in io:
        cases = _decode(io["test_cases"])
        if not isinstance(cases, list) or not all(isinstance(c, str) for c in cases):
            raise SkipRow("bad_tests", "test_cases is not a list of assert strings")
        return {"assert_case": [c for c in cases if c.strip()]}
    truth = {"inputs": io.get("inputs") or [], "outputs": io.get("outputs") or []}
    if io.get("fn_name"):
        truth["fn_name"] = io["fn_name"]
    return truth


def cap_tests(truth: dict[str, Any], max_tests: int | None, key: str) -> dict[str, Any]:
    """Keep at most `max_tests` tests: a subset ranked by sha256(key, index), original order kept."""
    if max_tests is None:
        return truth
    name = "assert_case" if "assert_case" in truth else "inputs"
    n = len(truth[name])
    if n <= max_tests:
        return truth

    def rank(i: int) -> bytes:
        return hashlib.sha256(f"{key}\x00{i}".encode("utf-8", "surrogatepass")).digest()

    keep = sorted(sorted(range(n), key=rank)[:max_tests])
    out = dict(truth)
    if name == "assert_case":
        out["assert_case"] = [truth["assert_case"][i] for i in keep]
    else:
        out["inputs"] = [truth["inputs"][i] for i in keep]
        out["outputs"] = [truth["outputs"][i] for i in keep]
    return out


def count_tests(truth: dict[str, Any]) -> int:
    return len(truth.get("assert_case") or truth.get("inputs") or [])


def build_prompt(row: dict[str, Any], system_prompt: str | None) -> list[dict[str, str]]:
    """The chat prompt: the row's `prompt` list when present, else its statement as one user turn."""
    raw = _plain(_decode(row.get("prompt"))) if row.get("prompt") is not None else None
    messages: list[dict[str, str]] = []
    if isinstance(raw, list) and raw:
        for item in raw:
            if not isinstance(item, dict) or not isinstance(item.get("content"), str):
                raise SkipRow("bad_prompt", "prompt items must be {role, content} objects")
            role = str(item.get("role") or "")
            if role not in ("system", "user", "assistant"):
                raise SkipRow("bad_prompt", f"unknown role {role!r}")
            messages.append({"role": role, "content": item["content"]})
    else:
        statement = next(
            (
                row[k]
                for k in ("problem", "question", "prompt")
                if isinstance(row.get(k), str) and row[k].strip()
            ),
            None,
        )
        if statement is None:
            raise SkipRow("no_prompt", "no prompt, problem or question column")
        messages.append({"role": "user", "content": statement})
    if messages[-1]["role"] != "user":
        raise SkipRow("bad_prompt", "the prompt must end with a user turn")
    if system_prompt and messages[0]["role"] != "system":
        messages.insert(0, {"role": "system", "content": system_prompt})
    return messages


def _validate_truth(truth_json: str) -> None:
    from xcoder_client.errors import TestFormatError
    from xcoder_client.testcases import parse_tests

    try:
        parse_tests(truth_json)
    except TestFormatError as exc:
        raise SkipRow("unparseable_tests", str(exc)) from exc


@dataclass
class ConvertOptions:
    data_source: str = DATA_SOURCE
    split: str = "train"
    system_prompt: str | None = None
    max_tests: int | None = None
    min_tests: int = 1
    progress: bool = True
    stats: Counter = field(default_factory=Counter)
    next_index: int = 0


def convert_row(
    row: dict[str, Any], opts: ConvertOptions, *, source_file: str, row_number: int
) -> dict[str, Any]:
    """One X-Coder RL row (or an already-verl row) → one verl row. Raises SkipRow."""
    from xcoder_client.rl_row import BadExtraInfo, carry_extra_info, extra_info

    try:
        extra = carry_extra_info(row.get("extra_info"))
    except BadExtraInfo as exc:
        raise SkipRow("bad_extra_info", str(exc)) from None
    task_id = next(
        (v for v in (row.get("id"), extra.get("task_id")) if v is not None and str(v).strip()),
        f"{Path(source_file).stem}-{row_number}",
    )
    task_id = str(task_id)

    prompt = build_prompt(row, opts.system_prompt)
    reward_model = row.get("reward_model")
    if isinstance(reward_model, dict) and reward_model.get("ground_truth") is not None:
        truth = _decode(reward_model["ground_truth"])  # already verl: keep its tests
        if not isinstance(truth, dict):
            raise SkipRow("bad_tests", "reward_model.ground_truth is not a JSON object")
    else:
        truth = xcoder_ground_truth(row)
    truth = cap_tests(truth, opts.max_tests, task_id)
    if count_tests(truth) < opts.min_tests:
        raise SkipRow("too_few_tests")
    truth_json = json.dumps(truth, ensure_ascii=False)
    _validate_truth(truth_json)

    out = {
        "data_source": opts.data_source,
        "prompt": prompt,
        "ability": ABILITY,
        "reward_model": {"style": "rule", "ground_truth": truth_json},
        "extra_info": extra_info(
            {
                **extra,
                "index": opts.next_index,
                "split": opts.split,
                "task_id": task_id,
                "prompter_type": str(row.get("prompter_type") or extra.get("prompter_type") or "synthetic"),
                "source_file": Path(source_file).name,
            }
        ),
    }
    opts.next_index += 1
    return out


# ------------------------------------------------------------------ files


def _progress(total: int | None, desc: str, enabled: bool):
    if not enabled:
        return None
    try:
        from tqdm import tqdm
    except ImportError:  # pragma: no cover
        return None
    return tqdm(total=total, desc=desc, unit="rows", dynamic_ncols=True, file=sys.stderr)


def expand_inputs(inputs: Sequence[str]) -> list[Path]:
    paths: list[Path] = []
    for raw in inputs:
        p = Path(raw)
        if p.is_dir():
            found = sorted(x for x in p.rglob("*.parquet") if x.is_file())
            if not found:
                raise FileNotFoundError(f"{p}: no .parquet files inside")
            paths.extend(found)
        elif p.is_file():
            paths.append(p)
        else:
            raise FileNotFoundError(f"{p}: no such file or directory")
    names = [p.name for p in paths]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ValueError(
            f"several inputs share a file name ({', '.join(dupes)}); convert them into separate --out-dir"
        )
    return paths


def iter_parquet_rows(path: Path, batch_size: int = 256) -> Iterator[dict[str, Any]]:
    import pyarrow.parquet as pq

    parquet = pq.ParquetFile(path)
    for batch in parquet.iter_batches(batch_size=batch_size):
        yield from batch.to_pylist()


class _Writer:
    """Buffered parquet writer with our fixed schema; writes to a .tmp and renames on close."""

    def __init__(self, path: Path, row_group_rows: int = 1024):
        import pyarrow.parquet as pq

        self.path = path
        self.tmp = path.with_name(path.name + ".tmp")
        path.parent.mkdir(parents=True, exist_ok=True)
        self.schema = _schema()
        self.writer = pq.ParquetWriter(self.tmp, self.schema, compression="zstd")
        self.buffer: list[dict[str, Any]] = []
        self.row_group_rows = row_group_rows
        self.rows = 0

    def write(self, row: dict[str, Any]) -> None:
        self.buffer.append(row)
        if len(self.buffer) >= self.row_group_rows:
            self.flush()

    def flush(self) -> None:
        import pyarrow as pa

        if self.buffer:
            self.writer.write_table(pa.Table.from_pylist(self.buffer, schema=self.schema))
            self.rows += len(self.buffer)
            self.buffer = []

    def close(self) -> None:
        self.flush()
        self.writer.close()
        os.replace(self.tmp, self.path)

    def abort(self) -> None:
        try:
            self.writer.close()
        finally:
            if self.tmp.exists():
                self.tmp.unlink()


def write_rows(rows: Iterable[dict[str, Any]], path: Path) -> int:
    """Write already-converted rows (used for hold-out files)."""
    writer = _Writer(path)
    try:
        for row in rows:
            writer.write(row)
        writer.close()
    except BaseException:
        writer.abort()
        raise
    return writer.rows


def convert_files(
    inputs: Sequence[Path],
    out_dir: Path,
    opts: ConvertOptions,
    *,
    holdout: int = 0,
    holdout_dir: Path | None = None,
    limit: int | None = None,
) -> dict[str, Any]:
    """Convert each input parquet into `out_dir/<same name>`; returns a report.

    With `holdout`, the last `holdout` converted rows of the LAST input file go to
    `holdout_dir/holdout.parquet` instead (the X-Coder parts are sorted by pass rate, so the
    last rows of the last part are comparable tasks that the training run then never sees).
    """
    import pyarrow.parquet as pq

    report: dict[str, Any] = {"files": []}
    total = sum(pq.ParquetFile(p).metadata.num_rows for p in inputs)
    if limit is not None:
        total = min(total, limit * len(inputs))
    bar = _progress(total, "convert", opts.progress)
    examples: dict[str, str] = {}
    try:
        for n_file, path in enumerate(inputs):
            is_last = n_file == len(inputs) - 1
            writer = _Writer(out_dir / path.name)
            tail: list[dict[str, Any]] = []
            written = 0
            try:
                for row_number, row in enumerate(iter_parquet_rows(path)):
                    if limit is not None and row_number >= limit:
                        break
                    if bar is not None:
                        bar.update(1)
                    opts.stats["read"] += 1
                    try:
                        out = convert_row(row, opts, source_file=str(path), row_number=row_number)
                    except SkipRow as skip:
                        opts.stats[f"skipped:{skip.reason}"] += 1
                        examples.setdefault(skip.reason, f"{path.name} row {row_number}: {skip}")
                        continue
                    if is_last and holdout:
                        tail.append(out)
                        if len(tail) > holdout:
                            writer.write(tail.pop(0))
                            written += 1
                        continue
                    writer.write(out)
                    written += 1
                if is_last and holdout:
                    if written == 0:
                        raise SystemExit(
                            f"--holdout {holdout} would take every converted row of {path.name}; use a smaller hold-out"
                        )
                    for row in tail:
                        row["extra_info"]["split"] = "holdout"
                if written:
                    writer.close()
                else:
                    writer.abort()
            except BaseException:
                writer.abort()
                raise
            report["files"].append({"input": str(path), "output": str(out_dir / path.name), "rows": written})
            if is_last and holdout and tail:
                target = (holdout_dir or out_dir) / "holdout.parquet"
                write_rows(tail, target)
                report["files"].append({"input": str(path), "output": str(target), "rows": len(tail)})
    finally:
        if bar is not None:
            bar.close()
    opts.stats["written"] = sum(f["rows"] for f in report["files"])
    report["stats"] = dict(opts.stats)
    report["skip_examples"] = examples
    return report


# ------------------------------------------------------------------ check


REQUIRED_COLUMNS = ("data_source", "prompt", "reward_model")


def check_file(path: Path, *, max_rows: int | None = None) -> dict[str, Any]:
    """Validate a verl RL parquet: columns, prompt shape, and that every ground truth parses.

    Returns a report; `errors` lists the first problems found (empty when the file is good).
    """
    import pyarrow.parquet as pq
    from xcoder_client.errors import TestFormatError
    from xcoder_client.testcases import parse_tests

    parquet = pq.ParquetFile(path)
    names = parquet.schema_arrow.names
    errors: list[str] = []
    missing = [c for c in REQUIRED_COLUMNS if c not in names]
    if missing:
        return {
            "file": str(path),
            "rows": parquet.metadata.num_rows,
            "errors": [f"missing columns: {missing}"],
        }
    kinds: Counter = Counter()
    n_tests: list[int] = []
    rows = 0
    for row in iter_parquet_rows(path):
        if max_rows is not None and rows >= max_rows:
            break
        where = f"row {rows}"
        rows += 1
        prompt = row.get("prompt")
        if (
            not isinstance(prompt, list)
            or not prompt
            or not all(
                isinstance(m, dict) and isinstance(m.get("content"), str) and m.get("role") for m in prompt
            )
        ):
            errors.append(f"{where}: prompt is not a non-empty list of {{role, content}}")
        rm = row.get("reward_model")
        gt = rm.get("ground_truth") if isinstance(rm, dict) else None
        if gt is None:
            errors.append(f"{where}: reward_model.ground_truth is missing")
        else:
            try:
                suite = parse_tests(gt if isinstance(gt, str) else json.dumps(gt))
            except TestFormatError as exc:
                errors.append(f"{where}: ground truth does not parse: {exc}")
            else:
                n_tests.append(len(suite.tests))
                kinds.update({t.kind for t in suite.tests})
        if not isinstance(row.get("data_source"), str):
            errors.append(f"{where}: data_source is not a string")
        if len(errors) >= 20:
            errors.append("… (stopped after 20 errors)")
            break
    report: dict[str, Any] = {"file": str(path), "rows": rows, "errors": errors, "test_kinds": dict(kinds)}
    if n_tests:
        n_tests.sort()
        report["tests_per_row"] = {
            "min": n_tests[0],
            "median": n_tests[len(n_tests) // 2],
            "max": n_tests[-1],
        }
    return report


# ------------------------------------------------------------------ ms-swift


def to_swift(inputs: Sequence[Path], out: Path, *, limit: int | None = None) -> dict[str, int]:
    """verl RL parquet files (ours or SynthSmith's) → one ms-swift GRPO JSONL (`grpo_row`)."""
    import pyarrow.parquet as pq
    from xcoder_client.errors import TestFormatError
    from xcoder_client.swift_dataset import grpo_row, write_jsonl

    stats: Counter[str] = Counter()

    def rows() -> Iterator[dict[str, Any]]:
        for path in inputs:
            for n, row in enumerate(pq.read_table(path).to_pylist()):
                if limit is not None and n >= limit:
                    break
                stats["read"] += 1
                try:
                    converted = grpo_row(row)
                except (TestFormatError, ValueError) as exc:
                    stats["skipped"] += 1
                    print(f"skip {path}#{n}: {exc}", file=sys.stderr)
                    continue
                stats["written"] += 1
                yield converted

    write_jsonl(rows(), out)
    return dict(stats)


# ------------------------------------------------------------------ download


def download(out_dir: Path, *, syn_only: bool, revision: str | None = None, repo: str = HF_REPO) -> Path:
    try:
        from huggingface_hub import snapshot_download
    except ImportError as exc:
        raise SystemExit("download needs huggingface_hub: pip install -r rl/requirements.txt") from exc
    path = snapshot_download(
        repo_id=repo,
        repo_type="dataset",
        revision=revision,
        local_dir=str(out_dir),
        allow_patterns=SYN_PATTERNS if syn_only else None,
    )
    return Path(path)


# ------------------------------------------------------------------ CLI


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m rl.convert", description="X-Coder-RL-40k → verl 0.9 RL parquet (see docs/recipes.md)."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    d = sub.add_parser("download", help=f"download {HF_REPO} from the Hugging Face hub")
    d.add_argument("--out-dir", required=True, type=Path)
    d.add_argument(
        "--syn-only", action="store_true", help="only syn_rl_data/ (~8.5 GB), what the paper trains on"
    )
    d.add_argument("--revision")
    d.add_argument("--repo", default=HF_REPO)

    c = sub.add_parser("xcoder", help="convert X-Coder RL parquet files (or folders of them)")
    c.add_argument("inputs", nargs="+")
    c.add_argument("--out-dir", required=True, type=Path)
    c.add_argument("--split", default="train", help="extra_info.split (default: %(default)s)")
    c.add_argument("--data-source", default=DATA_SOURCE)
    c.add_argument("--system-prompt", help="prepend this system turn to prompts that have none")
    c.add_argument(
        "--max-tests",
        type=int,
        help="store at most this many tests per task (a fixed per-task subset); default: all",
    )
    c.add_argument(
        "--min-tests", type=int, default=1, help="drop tasks with fewer tests (default: %(default)s)"
    )
    c.add_argument(
        "--holdout", type=int, default=0, help="move the last N rows of the last file to a hold-out file"
    )
    c.add_argument("--holdout-dir", type=Path, help="where holdout.parquet goes (default: --out-dir)")
    c.add_argument("--limit", type=int, help="convert at most N rows of each file (smoke tests)")
    c.add_argument("--report", type=Path, help="write the conversion report as JSON here")
    c.add_argument("--no-progress", action="store_true")

    k = sub.add_parser("check", help="validate verl RL parquet files (ours or SynthSmith's)")
    k.add_argument("files", nargs="+", type=Path)
    k.add_argument("--max-rows", type=int, help="check only the first N rows of each file")

    w = sub.add_parser("swift", help="verl RL parquet (files or folders) → ms-swift GRPO JSONL")
    w.add_argument("inputs", nargs="+")
    w.add_argument("--out", required=True, type=Path)
    w.add_argument("--limit", type=int, help="convert at most N rows of each file")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "download":
        path = download(args.out_dir, syn_only=args.syn_only, revision=args.revision, repo=args.repo)
        print(f"downloaded {args.repo} to {path}", file=sys.stderr)
        return 0
    if args.command == "xcoder":
        try:
            inputs = expand_inputs(args.inputs)
        except (FileNotFoundError, ValueError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        if args.max_tests is not None and args.max_tests < 1:
            print("error: --max-tests must be at least 1", file=sys.stderr)
            return 2
        opts = ConvertOptions(
            data_source=args.data_source,
            split=args.split,
            system_prompt=args.system_prompt,
            max_tests=args.max_tests,
            min_tests=args.min_tests,
            progress=not args.no_progress,
        )
        report = convert_files(
            inputs, args.out_dir, opts, holdout=args.holdout, holdout_dir=args.holdout_dir, limit=args.limit
        )
        for f in report["files"]:
            print(f"{f['output']}: {f['rows']} rows", file=sys.stderr)
        stats = ", ".join(f"{k}={v}" for k, v in sorted(report["stats"].items()))
        print(f"done: {stats}", file=sys.stderr)
        for reason, example in sorted(report["skip_examples"].items()):
            print(f"  e.g. {reason}: {example}", file=sys.stderr)
        if args.report:
            args.report.write_text(json.dumps(report, indent=2) + "\n")
        return 0 if report["stats"].get("written") else 1
    if args.command == "swift":
        try:
            inputs = expand_inputs(args.inputs)
        except (FileNotFoundError, ValueError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        stats = to_swift(inputs, args.out, limit=args.limit)
        print(f"{args.out}: " + ", ".join(f"{k}={v}" for k, v in sorted(stats.items())), file=sys.stderr)
        return 0 if stats.get("written") else 1
    # check
    bad = 0
    for path in args.files:
        report = check_file(path, max_rows=args.max_rows)
        status = "OK" if not report["errors"] else "FAILED"
        print(
            f"{status} {path}: {report['rows']} rows, test kinds {report.get('test_kinds', {})}, "
            f"tests/row {report.get('tests_per_row', {})}"
        )
        for err in report["errors"]:
            print(f"  {err}")
        bad += bool(report["errors"])
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
