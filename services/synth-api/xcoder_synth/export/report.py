"""The run report's numbers, computed from the run directory alone (so any machine can rebuild it)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from pydantic import BaseModel, Field

from xcoder_synth.dropped import DECONTAM_REASONS
from xcoder_synth.pipeline.reads import CANDIDATES, INPUTS, VERIFIED, WRITTEN, StageReads
from xcoder_synth.pipeline.stages import STAGE_ORDER
from xcoder_synth.pipeline.store import Rejection, RunStore
from xcoder_synth.tasks.models import TaskRecord
from xcoder_synth.verify.records import VerifiedTask

AGREEMENT_BINS = [i / 10 for i in range(11)]
PASS_RATE_BINS = [i / 10 for i in range(11)]


class StageLine(BaseModel):
    stage: str
    items: int
    records: int
    dropped: dict[str, int]
    usage: dict[str, dict[str, int]] = Field(default_factory=dict)
    seconds: float = Field(0.0, description="Sum of the stage's shard times (wall seconds).")
    tokens: int = Field(0, description="LLM prompt + completion tokens, all endpoints.")


class TaskLine(BaseModel):
    """One written task: what became of it."""

    task_id: str
    title: str
    style: str
    features: list[str]
    status: str = Field(description="verified, or the stage that dropped it.")
    drop_reason: str | None = None
    tests_kept: int = 0
    golden_pass_rate: float | None = Field(
        None, description="Share of distinct candidates passing every kept test."
    )


class RunReport(BaseModel):
    run: str
    generated_at: str
    stages: list[StageLine]
    tasks_written: int
    tasks_verified: int
    tests_kept: int
    tests_per_task: dict[str, float]
    test_decisions: dict[str, int]
    test_sources: dict[str, int]
    agreement_histogram: list[int] = Field(description="Inputs per agreement bin [0,.1),…,[.9,1.0].")
    pass_rate_histogram: list[int]
    pass_rates: list[float]
    candidate_rejects: dict[str, int]
    styles: dict[str, dict[str, int]] = Field(description="style → {written, verified}")
    categories: dict[str, dict[str, int]] = Field(
        description="feature category → {written, verified} task counts"
    )
    top_features: list[tuple[str, int]] = Field(description="Most used features among verified tasks.")
    decontam: dict[str, Any]
    tasks: list[TaskLine] = Field(default_factory=list, description="Every written task, in id order.")
    sft_rows: int = 0
    rl_rows: int = 0


def _histogram(values: list[float], bins: list[float]) -> list[int]:
    counts = [0] * (len(bins) - 1)
    for v in values:
        k = min(int(v * (len(bins) - 1)), len(counts) - 1)
        counts[max(k, 0)] += 1
    return counts


def _stage_lines(store: RunStore) -> list[StageLine]:
    """Every stage but ``export``: the report is written by export, before its own counts exist
    (it would read 0 records where the CLI, after the stage, says 1)."""
    lines = []
    for name in STAGE_ORDER:
        if name == "export":
            continue
        stats = store.stats(name)
        usage: dict[str, dict[str, int]] = {}
        for s in stats:
            for endpoint, meter in s.get("usage", {}).items():
                acc = usage.setdefault(endpoint, {})
                for k, v in meter.items():
                    acc[k] = acc.get(k, 0) + int(v)
        dropped = Counter(r.reason for r in store.rejections(name))
        lines.append(
            StageLine(
                stage=name,
                items=sum(s.get("items", 0) for s in stats),
                records=sum(s.get("records", 0) for s in stats),
                dropped=dict(sorted(dropped.items())),
                usage=usage,
                seconds=round(sum(float(s.get("seconds", 0.0)) for s in stats), 2),
                tokens=sum(u.get("prompt_tokens", 0) + u.get("completion_tokens", 0) for u in usage.values()),
            )
        )
    return lines


TASK_STAGES = ("decontam", "solve", "testgen", "inputs", "verify")
"""Stages after writing that drop tasks (by task id)."""


def _task_lines(store: RunStore, written: list[TaskRecord], verified: list[VerifiedTask]) -> list[TaskLine]:
    by_id = {v.id: v for v in verified}
    dropped: dict[str, tuple[str, str]] = {}
    for stage in TASK_STAGES:
        for r in store.rejections(stage):
            dropped.setdefault(r.item_id, (stage, r.reason))
    lines = []
    for t in sorted(written, key=lambda t: t.id):
        v = by_id.get(t.id)
        stage, reason = dropped.get(t.id, ("pending", None)) if v is None else ("verified", None)
        lines.append(
            TaskLine(
                task_id=t.id,
                title=t.title,
                style=t.style,
                features=[" > ".join(f.path) for f in t.features],
                status=stage,
                drop_reason=reason,
                tests_kept=len(v.tests) if v else 0,
                golden_pass_rate=v.pass_rate if v else None,
            )
        )
    return lines


"""Reasons the decontam stage drops a task: n-gram overlap, an embedding match with an
evaluation problem, an embedding match with a kept task of the run."""
MAX_MATCHES = 200


def _decontam_match(r: Rejection) -> dict[str, Any]:
    if r.reason == "contaminated":
        return {
            "task_id": r.item_id,
            "reason": r.reason,
            "method": f"{r.extra.get('total', 0)} word n-grams",
            "match": r.extra.get("eval_id"),
            "score": round(r.extra.get("ratio", 0.0), 4),
        }
    return {
        "task_id": r.item_id,
        "reason": r.reason,
        "method": "embedding cosine",
        "match": r.extra.get("of"),
        "score": r.extra.get("similarity"),
    }


def build_report(
    store: RunStore, reads: StageReads, run_name: str, *, decontam_settings: dict[str, Any] | None = None
) -> RunReport:
    """The run's report: records through ``reads``; every stage's rejections and stats from ``store``."""
    written = list(reads.all(WRITTEN))
    verified = list(reads.all(VERIFIED))
    agreements: list[float] = [a for v in verified for a in v.agreements]
    decisions: Counter[str] = Counter(d.reason for v in verified for d in v.decisions)
    for rej in store.rejections("verify"):
        agreements.extend(rej.extra.get("agreements", []))
        decisions.update(d["reason"] for d in rej.extra.get("decisions", []))
    for rej in store.rejections("inputs"):
        decisions.update(d["reason"] for d in rej.extra.get("decisions", []))
    for rec in reads.raw(INPUTS):
        decisions.update(d["reason"] for d in rec.get("decisions", []))

    cand_rejects: Counter[str] = Counter()
    for cset in reads.all(CANDIDATES):
        for c in cset.candidates:
            cand_rejects[c.reject_reason or ("duplicate" if c.duplicate_of else "usable")] += 1
    for rej in store.rejections("solve"):
        cand_rejects.update(rej.extra.get("candidates", {}))

    styles: dict[str, dict[str, int]] = {}
    categories: dict[str, dict[str, int]] = {}
    features: Counter[str] = Counter()
    verified_ids = {v.id for v in verified}
    for t in written:
        key = "verified" if t.id in verified_ids else "written"
        s = styles.setdefault(t.style, {"written": 0, "verified": 0})
        s["written"] += 1
        if key == "verified":
            s["verified"] += 1
        for cat in {f.path[0] for f in t.features}:
            c = categories.setdefault(cat, {"written": 0, "verified": 0})
            c["written"] += 1
            if key == "verified":
                c["verified"] += 1
        if key == "verified":
            features.update(" > ".join(f.path) for f in t.features)

    contaminated = [r for r in store.rejections("decontam") if r.reason in DECONTAM_REASONS]
    checked = sum(s.get("items", 0) for s in store.stats("decontam"))
    per_task = [len(v.tests) for v in verified]
    pass_rates = [v.pass_rate for v in verified]
    sources: Counter[str] = Counter(t.source for v in verified for t in v.tests)
    return RunReport(
        run=run_name,
        generated_at=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        stages=_stage_lines(store),
        tasks_written=len(written),
        tasks_verified=len(verified),
        tests_kept=sum(per_task),
        tests_per_task={
            "min": min(per_task, default=0),
            "max": max(per_task, default=0),
            "mean": round(sum(per_task) / len(per_task), 2) if per_task else 0.0,
        },
        test_decisions=dict(sorted(decisions.items())),
        test_sources=dict(sorted(sources.items())),
        agreement_histogram=_histogram(agreements, AGREEMENT_BINS),
        pass_rate_histogram=_histogram(pass_rates, PASS_RATE_BINS),
        pass_rates=pass_rates,
        candidate_rejects=dict(sorted(cand_rejects.items())),
        styles=dict(sorted(styles.items())),
        categories=dict(sorted(categories.items())),
        top_features=features.most_common(25),
        tasks=_task_lines(store, written, verified),
        decontam={
            "settings": decontam_settings or {},
            "checked": checked,
            "dropped": len(contaminated),
            "dropped_by_reason": dict(sorted(Counter(r.reason for r in contaminated).items())),
            "matches": [_decontam_match(r) for r in contaminated[:MAX_MATCHES]],
        },
    )
