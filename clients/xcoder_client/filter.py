"""SFT rejection sampling: keep the responses whose program passes the task's tests.

Input: JSONL, one task per line::

    {"id"?: ..., "query": "..." | "messages": [...], "response": "..." | "responses": [...],
     "tests": <any format xcoder_client.testcases reads>}   # or X-Coder / LCB test columns
    # optional checker, wherever xcoder_client.checkers finds it ("checker", "extra_info", ...)

Every candidate is judged on ALL the task's tests unless `max_tests` is set. A candidate
passes when its pass rate reaches `min_pass_rate` (default 1.0: every test). Counts:
candidates = passed + failed + unscored, where failed includes responses with no code.

Output: the passing responses as SFT JSONL, `{"query", "response"}` or
`{"messages": [..., {"role": "assistant", ...}]}`; a stats JSON; optionally the rejected
candidates; always the unscored ones (the judge answered SE after retries) in
`<output>.unscored.jsonl`, so they can be rerun rather than silently counted as failures.

Resumable: records are processed in chunks; after each chunk the outputs are flushed and a state
file (`<output>.state.json`: input offset, output sizes, stats, options) is replaced atomically.
A rerun of the same command truncates the outputs back to the last checkpoint and continues
from there. If the judge becomes unavailable the run stops with the checkpoint intact.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Literal

from pydantic import BaseModel, ConfigDict, Field
from xcoder_wire.schemas import MAX_MEMORY_MB, MAX_TIME_S, MIN_MEMORY_MB, Priority

from xcoder_client.checkers import task_checker
from xcoder_client.client import JudgeClient
from xcoder_client.errors import TestFormatError
from xcoder_client.progress import progress_bar
from xcoder_client.reward import RewardConfig, RewardShape, RolloutPlan, plan_rollout, score_rollout
from xcoder_client.testcases import parse_tests

STATE_VERSION = 1
OutputFormat = Literal["query_response", "messages"]


class FilterOptions(BaseModel):
    """What counts as passing and how outputs are written; part of the resume fingerprint."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    language: str = "python"
    output_format: OutputFormat = "query_response"
    min_pass_rate: float = Field(1.0, gt=0, le=1)
    max_tests: int | None = Field(None, ge=1)
    max_per_query: int = Field(0, ge=0, description="Passing responses kept per task; 0 keeps all.")
    time_limit_s: float | None = Field(None, gt=0, le=MAX_TIME_S)
    memory_mb: int | None = Field(None, ge=MIN_MEMORY_MB, le=MAX_MEMORY_MB)
    chunk_records: int = Field(64, ge=1)

    def reward_config(self) -> RewardConfig:
        return RewardConfig(
            shape=RewardShape.fraction,
            language=self.language,
            max_tests=self.max_tests,
            time_limit_s=self.time_limit_s,
            memory_mb=self.memory_mb,
            priority=Priority.bulk,
        )

    def fingerprint(self) -> str:
        return hashlib.sha256(self.model_dump_json().encode()).hexdigest()[:16]


@dataclass
class FilterStats:
    records: int = 0
    candidates: int = 0
    no_code: int = 0
    judged: int = 0
    passed: int = 0
    failed: int = 0
    unscored: int = 0
    kept: int = 0
    bad_records: int = 0
    tasks_with_pass: int = 0
    checker_errors: int = 0
    verdicts: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, Any]:
        scored = self.passed + self.failed
        return {
            "records": self.records,
            "candidates": self.candidates,
            "no_code": self.no_code,
            "judged": self.judged,
            "passed": self.passed,
            "failed": self.failed,
            "unscored": self.unscored,
            "kept": self.kept,
            "bad_records": self.bad_records,
            "tasks_with_pass": self.tasks_with_pass,
            "checker_errors": self.checker_errors,
            "pass_rate": round(self.passed / scored, 6) if scored else 0.0,
            "task_solve_rate": round(self.tasks_with_pass / self.records, 6) if self.records else 0.0,
            "verdicts": dict(sorted(self.verdicts.items())),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FilterStats:
        names = set(cls.__dataclass_fields__) - {"verdicts"}
        stats = cls(**{k: int(v) for k, v in data.items() if k in names})
        stats.verdicts = Counter(data.get("verdicts", {}))
        return stats


class ResumeError(RuntimeError):
    """The outputs exist but cannot be resumed as asked (different options or input)."""


# --------------------------------------------------------------- records


def _query_messages(record: Mapping[str, Any]) -> list[dict[str, Any]]:
    messages = record.get("messages")
    if isinstance(messages, list) and messages:
        kept = [dict(m) for m in messages]
        return kept[:-1] if kept[-1].get("role") == "assistant" else kept
    query = record.get("query", record.get("prompt", record.get("question")))
    if not isinstance(query, str):
        raise TestFormatError("record has no query (query, prompt, question or messages)")
    system = record.get("system")
    head = [{"role": "system", "content": system}] if isinstance(system, str) and system else []
    return [*head, {"role": "user", "content": query}]


def _responses(record: Mapping[str, Any]) -> list[str]:
    if isinstance(record.get("responses"), list):
        return [r for r in record["responses"] if isinstance(r, str)]
    if isinstance(record.get("response"), str):
        return [record["response"]]
    messages = record.get("messages")
    if isinstance(messages, list) and messages and messages[-1].get("role") == "assistant":
        return [str(messages[-1].get("content", ""))]
    raise TestFormatError("record has no response (response, responses or a final assistant message)")


def _sft_row(messages: list[dict[str, Any]], response: str, fmt: OutputFormat) -> dict[str, Any]:
    if fmt == "messages":
        return {"messages": [*messages, {"role": "assistant", "content": response}]}
    row: dict[str, Any] = {}
    if messages and messages[0].get("role") == "system":
        row["system"] = messages[0]["content"]
    row["query"] = messages[-1]["content"]
    row["response"] = response
    return row


def _task_id(record: Mapping[str, Any]) -> Any:
    return record.get("task_id", record.get("id"))


# ------------------------------------------------------------------ runner


@dataclass
class _Outputs:
    """The output files of one run, opened for appending after truncation to a checkpoint."""

    paths: dict[str, Path]
    files: dict[str, BinaryIO] = field(default_factory=dict)

    def open(self, sizes: Mapping[str, int]) -> None:
        for name, path in self.paths.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            f = open(path, "ab")  # noqa: SIM115 - kept open for the whole run
            f.truncate(sizes.get(name, 0))
            f.seek(0, os.SEEK_END)
            self.files[name] = f

    def write(self, name: str, row: Mapping[str, Any]) -> None:
        if name in self.files:
            self.files[name].write(json.dumps(row, ensure_ascii=False).encode("utf-8") + b"\n")

    def sync(self) -> dict[str, int]:
        sizes = {}
        for name, f in self.files.items():
            f.flush()
            os.fsync(f.fileno())
            sizes[name] = f.tell()
        return sizes

    def close(self) -> None:
        for f in self.files.values():
            f.close()


def _read_records(handle: BinaryIO, start: int) -> Iterator[tuple[int, bytes]]:
    """(offset after the line, line) for each non-blank line from byte `start`."""
    handle.seek(start)
    offset = start
    for line in handle:
        offset += len(line)
        if line.strip():
            yield offset, line


def _write_state(path: Path, state: Mapping[str, Any]) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(state, indent=1))
    with open(tmp, "rb") as f:
        os.fsync(f.fileno())
    os.replace(tmp, path)


class RejectionSampler:
    """Judge candidates chunk by chunk and write the passing ones; see the module docstring."""

    def __init__(self, client: JudgeClient, options: FilterOptions | None = None) -> None:
        self.client = client
        self.options = options or FilterOptions()

    def run(
        self,
        input_path: Path,
        output_path: Path,
        *,
        stats_path: Path | None = None,
        rejected_path: Path | None = None,
        restart: bool = False,
        show_progress: bool = True,
    ) -> FilterStats:
        input_path, output_path = Path(input_path), Path(output_path)
        state_path = output_path.with_name(output_path.name + ".state.json")
        paths = {"kept": output_path, "unscored": output_path.with_name(output_path.name + ".unscored.jsonl")}
        if rejected_path is not None:
            paths["rejected"] = Path(rejected_path)
        state = self._load_state(state_path, input_path, paths, restart)
        stats = FilterStats.from_dict(state.get("stats", {}))
        if state.get("complete"):
            self._write_stats(stats_path, stats)
            return stats
        outputs = _Outputs(paths)
        outputs.open(state.get("sizes", {}))
        with open(input_path, "rb") as f:
            total = sum(1 for line in f if line.strip())
        bar = progress_bar(total, "filter", unit="task", initial=stats.records, disable=not show_progress)
        try:
            with open(input_path, "rb") as handle:
                chunk: list[bytes] = []
                offset = state.get("offset", 0)
                for end, line in _read_records(handle, offset):
                    chunk.append(line)
                    if len(chunk) >= self.options.chunk_records:
                        self._process(chunk, outputs, stats)
                        offset = end
                        self._checkpoint(state_path, state, offset, outputs, stats, complete=False)
                        bar.update(len(chunk))
                        bar.set_postfix_str(f"kept {stats.kept}, pass {stats.as_dict()['pass_rate']:.1%}")
                        chunk = []
                if chunk:
                    self._process(chunk, outputs, stats)
                    bar.update(len(chunk))
                self._checkpoint(
                    state_path, state, handle.seek(0, os.SEEK_END), outputs, stats, complete=True
                )
        finally:
            bar.close()
            outputs.close()
        self._write_stats(stats_path, stats)
        return stats

    def _load_state(
        self, state_path: Path, input_path: Path, paths: Mapping[str, Path], restart: bool
    ) -> dict:
        fresh = {
            "version": STATE_VERSION,
            "input": str(input_path.resolve()),
            "options": self.options.fingerprint(),
            "outputs": sorted(paths),
        }
        if restart or not state_path.exists():
            if not restart and paths["kept"].exists() and paths["kept"].stat().st_size > 0:
                raise ResumeError(
                    f"{paths['kept']} exists without a state file; pass --restart to overwrite it"
                )
            return fresh
        state = json.loads(state_path.read_text())
        for key in ("version", "input", "options", "outputs"):
            if state.get(key) != fresh[key]:
                raise ResumeError(
                    f"cannot resume {paths['kept']}: its {key} differs from this run "
                    f"({state.get(key)!r} vs {fresh[key]!r}); pass --restart to start over"
                )
        return state

    def _checkpoint(
        self, path: Path, state: dict, offset: int, outputs: _Outputs, stats: FilterStats, *, complete: bool
    ) -> None:
        state.update(offset=offset, sizes=outputs.sync(), stats=stats.as_dict(), complete=complete)
        _write_state(path, state)

    def _write_stats(self, path: Path | None, stats: FilterStats) -> None:
        if path is not None:
            Path(path).write_text(json.dumps(stats.as_dict(), indent=1) + "\n")

    def _process(self, lines: list[bytes], outputs: _Outputs, stats: FilterStats) -> None:
        """Judge every candidate of these records in one call and write the outcomes."""
        config = self.options.reward_config()
        tasks: list[tuple[dict[str, Any], list[dict[str, Any]], list[tuple[str, RolloutPlan]]]] = []
        for line in lines:
            stats.records += 1
            try:
                record = json.loads(line)
                if not isinstance(record, dict):
                    raise TestFormatError("a record must be a JSON object")
                messages = _query_messages(record)
                suite = parse_tests(record)  # once per task, shared by its candidates
                task_id = _task_id(record)
                checker = task_checker(record)
                plans = [
                    (r, plan_rollout(r, suite, config, task_id=task_id, checker=checker))
                    for r in _responses(record)
                ]
            except (TestFormatError, json.JSONDecodeError) as exc:
                stats.bad_records += 1
                text = line.decode("utf-8", "replace")[:2000]
                outputs.write("rejected", {"error": f"bad record: {exc}", "line": text})
                continue
            tasks.append((record, messages, plans))
        submissions = [p.submission for _, _, plans in tasks for _, p in plans if p.submission is not None]
        results = iter(self.client.judge(submissions, on_error="raise") if submissions else [])
        for record, messages, plans in tasks:
            kept_here = 0
            for response, plan in plans:
                stats.candidates += 1
                result = next(results) if plan.submission is not None else None
                outcome = score_rollout(
                    plan, result, config.shape, checker_error_score=config.checker_error_score
                )
                stats.checker_errors += outcome.checker_error
                if outcome.score is None:
                    stats.unscored += 1
                    rest = {k: v for k, v in record.items() if k not in ("response", "responses")}
                    outputs.write("unscored", {**rest, "responses": [response]})
                    continue
                verdict = (
                    outcome.verdict.value if outcome.verdict is not None else plan.extraction.status.value
                )
                stats.verdicts[verdict] += 1
                if plan.submission is None:
                    stats.no_code += 1
                else:
                    stats.judged += 1
                if plan.submission is not None and outcome.score >= self.options.min_pass_rate:
                    stats.passed += 1
                    kept_here += 1
                    if self.options.max_per_query == 0 or kept_here <= self.options.max_per_query:
                        stats.kept += 1
                        outputs.write("kept", _sft_row(messages, response, self.options.output_format))
                else:
                    stats.failed += 1
                    rate = outcome.diagnostics()["pass_rate"]
                    row = {
                        "id": _task_id(record),
                        "verdict": verdict,
                        "pass_rate": rate,
                        "response": response,
                    }
                    outputs.write("rejected", row)
            stats.tasks_with_pass += 1 if kept_here else 0


__all__ = ["FilterOptions", "FilterStats", "RejectionSampler", "ResumeError"]
