"""The RL ground truth of a verified task, in the TACO/verl format ``xcoder_client`` parses.

stdin tasks: ``{"inputs": [stdin, …], "outputs": [stdout, …]}``.
call tasks: ``{"fn_name": name, "inputs": [[arg, …], …], "outputs": [[result], …]}``; each
result is wrapped in a one-element list because the APPS convention unwraps outputs when all
of them are one-element lists, which would otherwise misread list-valued results.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from xcoder_synth.tasks.models import TaskRecord


def ground_truth(task: TaskRecord, tests: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """``tests`` are (input data, labelled output) pairs in the task's stored form."""
    if task.io == "call":
        assert task.entry_point is not None
        return {
            "fn_name": task.entry_point.name,
            "inputs": [json.loads(data) for data, _ in tests],
            "outputs": [[json.loads(out)] for _, out in tests],
        }
    return {"inputs": [data for data, _ in tests], "outputs": [out for _, out in tests]}


def ground_truth_json(task: TaskRecord, tests: Sequence[tuple[str, str]]) -> str:
    return json.dumps(ground_truth(task, tests), ensure_ascii=False)
