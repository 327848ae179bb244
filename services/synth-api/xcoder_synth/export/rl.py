"""RL rows in verl 0.9's dataset schema, written as parquet.

Columns: ``data_source``, ``prompt`` (chat messages), ``ability``, ``reward_model`` (``style``
and ``ground_truth``: the TACO/verl JSON string ``xcoder_client`` parses), ``extra_info``
(index, split, task id, style, checker, pass rate, provenance; ``prompter_type`` and
``source_file`` stay empty). The schema is ``xcoder_client.rl_row``'s, the one ``rl/convert.py``
writes too.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from xcoder_client.rl_row import arrow_schema, extra_info

from xcoder_synth.llm import Provenance
from xcoder_synth.prompts.solutions import solve_query
from xcoder_synth.verify.ground_truth import ground_truth_json
from xcoder_synth.verify.records import VerifiedTask

SCHEMA = arrow_schema()
"""The project's one RL row schema (``xcoder_client.rl_row``), shared with ``rl/convert.py``."""


def rl_row(
    v: VerifiedTask,
    index: int,
    *,
    data_source: str,
    split: str = "train",
    extra_provenance: dict[str, Provenance] | None = None,
) -> dict[str, Any]:
    """One verl row; ``extra_provenance`` adds e.g. the golden candidate's and the test programs' origin."""
    task = v.task
    provenance = {**task.provenance, **(extra_provenance or {})}
    return {
        "data_source": data_source,
        "prompt": [{"role": "user", "content": solve_query(task)}],
        "ability": "code",
        "reward_model": {
            "style": "rule",
            "ground_truth": ground_truth_json(task, [(t.input, t.output) for t in v.tests]),
        },
        "extra_info": extra_info(
            {
                "index": index,
                "split": split,
                "task_id": v.id,
                "style": task.style,
                "io": task.io,
                "fn_name": task.fn_name,
                "checker": json.dumps(task.checker.judge_checker()),
                "time_limit_s": v.time_limit_s,
                "pass_rate": v.pass_rate,
                "n_tests": len(v.tests),
                "features": json.dumps([" > ".join(f.path) for f in task.features], ensure_ascii=False),
                "golden_candidate_id": v.golden_candidate_id,
                "provenance": json.dumps(
                    {k: p.model_dump() for k, p in provenance.items()}, ensure_ascii=False
                ),
            }
        ),
    }


def write_parquet(rows: Sequence[dict[str, Any]], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    table = pa.Table.from_pylist(list(rows), schema=SCHEMA)
    tmp = path.with_name(f".{path.name}.tmp")
    pq.write_table(table, tmp)
    tmp.replace(path)
