"""A self-contained HTML page for the run report: figures inlined as base64, no external assets."""

from __future__ import annotations

import base64
import html
from pathlib import Path
from typing import Any

from xcoder_synth.export.report import RunReport

_STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:70rem;color:#222}
table{border-collapse:collapse;margin:.5rem 0 1.5rem}td,th{border:1px solid #ccc;padding:.25rem .6rem;text-align:left}
th{background:#f3f3f3}img{max-width:100%;border:1px solid #eee;margin:.4rem 0}.figs{display:flex;flex-wrap:wrap;gap:1rem}
.figs img{max-width:48%}code{background:#f6f6f6;padding:0 .2rem}
"""


def _table(header: list[str], rows: list[list[Any]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _flat(settings: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    """Nested settings as dotted keys (``near_duplicates.threshold = 0.65``)."""
    out: list[tuple[str, Any]] = []
    for k, v in settings.items():
        if isinstance(v, dict):
            out.extend(_flat(v, f"{prefix}{k}."))
        else:
            out.append((f"{prefix}{k}", v))
    return out


def _img(path: Path, alt: str) -> str:
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'


def render_html(report: RunReport, figures: dict[str, Path]) -> str:
    stages = _table(
        [
            "stage",
            "items in",
            "records out",
            "dropped (reason: count)",
            "seconds",
            "LLM tokens",
            "LLM requests / cached / tokens",
        ],
        [
            [
                s.stage,
                s.items,
                s.records,
                ", ".join(f"{k}: {v}" for k, v in s.dropped.items()) or "–",
                s.seconds,
                s.tokens,
                "; ".join(
                    f"{e}: {u.get('requests', 0)} / {u.get('cached', 0)} / "
                    f"{u.get('prompt_tokens', 0) + u.get('completion_tokens', 0)}"
                    for e, u in s.usage.items()
                )
                or "–",
            ]
            for s in report.stages
        ],
    )
    decisions = _table(["test decision", "count"], [[k, v] for k, v in report.test_decisions.items()])
    cands = _table(["candidate outcome", "count"], [[k, v] for k, v in report.candidate_rejects.items()])
    features = _table(["feature", "verified tasks"], [[k, v] for k, v in report.top_features])
    decontam = report.decontam
    matches = _table(
        ["task", "reason", "method", "matches (evaluation problem or task)", "score"],
        [[m["task_id"], m["reason"], m["method"], m["match"], m["score"]] for m in decontam["matches"]],
    )
    tasks = _table(
        ["task", "title", "style", "features", "status", "drop reason", "tests kept", "golden pass rate"],
        [
            [
                t.task_id,
                t.title,
                t.style,
                len(t.features),
                t.status,
                t.drop_reason or "–",
                t.tests_kept,
                "–" if t.golden_pass_rate is None else f"{t.golden_pass_rate:.2f}",
            ]
            for t in report.tasks
        ],
    )
    settings = ", ".join(f"{k} = {v}" for k, v in _flat(decontam.get("settings", {}))) or "–"
    by_reason = ", ".join(f"{k}: {v}" for k, v in decontam.get("dropped_by_reason", {}).items())
    figs = "".join(_img(p, name) for name, p in figures.items())
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>SynthSmith run {html.escape(report.run)}</title>
<style>{_STYLE}</style></head><body>
<h1>SynthSmith run <code>{html.escape(report.run)}</code></h1>
<p>Generated {html.escape(report.generated_at)}. Tasks written: <b>{report.tasks_written}</b>; verified: <b>{report.tasks_verified}</b>;
tests kept: <b>{report.tests_kept}</b> (per task min {report.tests_per_task["min"]}, mean {report.tests_per_task["mean"]}, max {report.tests_per_task["max"]});
SFT rows: <b>{report.sft_rows}</b>; RL rows: <b>{report.rl_rows}</b>.</p>
<h2>Stages</h2>{stages}
<h2>Tasks</h2>{tasks}
<h2>Figures</h2><div class="figs">{figs}</div>
<h2>Tests</h2>{decisions}
<p>Kept tests by source: {html.escape(", ".join(f"{k}: {v}" for k, v in report.test_sources.items()) or "none")}</p>
<h2>Candidates</h2>{cands}
<h2>Features of verified tasks</h2>{features}
<h2>Decontamination</h2><p>Settings: {html.escape(settings)}. Checked {decontam["checked"]} task(s); dropped {decontam["dropped"]}{f" ({html.escape(by_reason)})" if by_reason else ""}.</p>{matches}
</body></html>
"""
