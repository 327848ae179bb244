"""Write every output of a run: SFT JSONL files, the RL parquet, and the report (JSON, PNG, HTML)."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel
from xcoder_client.swift_dataset import grpo_row, write_jsonl

from xcoder_synth.export.html import render_html
from xcoder_synth.export.plots import all_plots
from xcoder_synth.export.report import build_report
from xcoder_synth.export.rl import rl_row, write_parquet
from xcoder_synth.export.sft import sft_rows
from xcoder_synth.jsonl import write_atomic
from xcoder_synth.llm import Provenance
from xcoder_synth.pipeline.config import RunConfig
from xcoder_synth.pipeline.reads import CANDIDATES, PLANS, VERIFIED, StageReads
from xcoder_synth.pipeline.store import RunStore
from xcoder_synth.verify.records import VerifiedTask


class ExportSummary(BaseModel):
    id: str = "export"
    files: dict[str, str]
    sft_rows: int
    rl_rows: int
    tasks: int


def _jsonl(rows: list[dict], path: Path) -> None:
    write_atomic(path, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))


def write_report(
    store: RunStore, reads: StageReads, config: RunConfig, *, sft_rows: int, rl_rows: int
) -> dict[str, Path]:
    """report.json, its figures and report.html under artifacts/report; returns the figures."""
    out = store.artifacts / "report"
    report = build_report(
        store, reads, config.name, decontam_settings=config.decontam.model_dump(mode="json")
    )
    report.sft_rows, report.rl_rows = sft_rows, rl_rows
    figures = all_plots(report, out)
    write_atomic(out / "report.json", report.model_dump_json(indent=2))
    write_atomic(out / "report.html", render_html(report, figures))
    return figures


def export_run(store: RunStore, reads: StageReads, config: RunConfig) -> ExportSummary:
    """Every file of the run under ``store.artifacts``; records come through the export stage's reads."""
    out = store.artifacts
    out.mkdir(parents=True, exist_ok=True)
    verified = sorted(reads.all(VERIFIED), key=lambda v: v.id)
    cands = reads.by_id(CANDIDATES)
    ex = config.export

    sft = [
        row
        for v in verified
        for row in sft_rows(v, cands[v.id], mode=ex.sft_responses, limit=ex.max_responses_per_task)
    ]
    _jsonl([r.model_dump() for r in sft], out / "sft.jsonl")
    _jsonl([{"messages": r.messages} for r in sft], out / "sft_messages.jsonl")
    _jsonl([{"query": r.query, "response": r.response} for r in sft], out / "sft_query_response.jsonl")

    ordered = (
        sorted(verified, key=lambda v: (-v.pass_rate, v.id)) if ex.rl_order == "pass_rate_desc" else verified
    )
    plans = reads.by_id(PLANS)

    def origin(v: VerifiedTask) -> dict[str, Provenance]:
        """Where the golden solution and the test material came from (model, prompt, sampling)."""
        golden = next(c for c in cands[v.id].candidates if c.id == v.golden_candidate_id)
        plan = plans.get(v.id)
        tests = {f"tests.{k}": p for k, p in plan.provenance.items()} if plan else {}
        return {"golden": golden.provenance, **tests}

    rl = [rl_row(v, i, data_source=ex.data_source, extra_provenance=origin(v)) for i, v in enumerate(ordered)]
    write_parquet(rl, out / "rl.parquet")
    write_jsonl([grpo_row(r) for r in rl], out / "swift_grpo.jsonl")  # the same rows for ms-swift GRPO

    figures = write_report(store, reads, config, sft_rows=len(sft), rl_rows=len(rl))
    files = {
        "sft": "artifacts/sft.jsonl",
        "sft_messages": "artifacts/sft_messages.jsonl",
        "sft_query_response": "artifacts/sft_query_response.jsonl",
        "rl": "artifacts/rl.parquet",
        "swift_grpo": "artifacts/swift_grpo.jsonl",
        "report_json": "artifacts/report/report.json",
        "report_html": "artifacts/report/report.html",
        "feature_tree": "artifacts/feature_tree.json",
        **{f"figure_{k}": f"artifacts/report/{p.name}" for k, p in figures.items()},
    }
    return ExportSummary(files=files, sft_rows=len(sft), rl_rows=len(rl), tasks=len(verified))
