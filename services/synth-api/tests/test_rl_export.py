"""SynthSmith's RL parquet has the project's one RL row schema (xcoder_client.rl_row)."""

from __future__ import annotations

import json

import pyarrow.parquet as pq
from xcoder_client.rl_row import EXTRA_INFO_NAMES, arrow_schema, carry_extra_info
from xcoder_synth.export.rl import rl_row, write_parquet
from xcoder_synth.verify.records import LabelledTest, VerifiedTask

from .helpers import stdio_task


def verified(task_id: str) -> VerifiedTask:
    return VerifiedTask(
        id=task_id,
        task=stdio_task(task_id, checker="floats"),
        tests=[
            LabelledTest(
                id="a",
                source="example",
                input="1\n",
                output="1\n",
                agreement=1.0,
                weight=1.0,
                split="selection",
            )
        ],
        golden_candidate_id=f"{task_id}-c00",
        golden_code="print(input())\n",
        pass_rate=0.5,
        candidates=[],
        decisions=[],
        agreements=[1.0],
        time_limit_s=2.0,
    )


def test_the_export_writes_the_shared_schema_and_a_reconvert_keeps_its_columns(tmp_path):
    path = tmp_path / "rl.parquet"
    write_parquet([rl_row(verified("t1"), 0, data_source="xcoder/synthsmith")], path)
    table = pq.read_table(path)
    assert table.schema.remove_metadata() == arrow_schema()
    (row,) = table.to_pylist()
    info = row["extra_info"]
    assert tuple(info) == EXTRA_INFO_NAMES
    assert info["prompter_type"] is None and info["source_file"] is None  # rl/convert.py's columns
    assert json.loads(info["checker"])["kind"] == "floats"
    carried = carry_extra_info(info)
    assert carried == {k: v for k, v in info.items() if v is not None}
