"""verl RL rows → the dataset rows `swift rlhf --rlhf_type grpo` reads with our plugin.

ms-swift reads a conversation from `messages` (a column named `prompt` holding chat messages
is read as message *content*, and swift fails with `KeyError: 'type'`); every other column is
handed to the reward functions as a list per batch. So a GRPO row is the prompt turns as
`messages` plus flat text columns the `xcoder_judge` reward reads:

    {"messages": [{"role": "user", "content": ...}], "tests": "<ground truth JSON>",
     "task_id": "...", "checker": "<judge checker JSON>"?, "language": "cpp"?, "data_source": "..."}

Written as JSONL (one object per line), which swift's `--dataset path.jsonl` loads as it is.
SynthSmith's export and `python -m rl.convert swift` both use `grpo_row`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from xcoder_client.checkers import task_checker
from xcoder_client.errors import TestFormatError
from xcoder_client.reward import task_language
from xcoder_client.testcases import parse_tests

__all__ = ["grpo_row", "write_jsonl"]


def _extra_info(row: Mapping[str, Any]) -> dict[str, Any]:
    info = row.get("extra_info") or {}
    if isinstance(info, str):
        info = json.loads(info) if info.strip() else {}
    return dict(info) if isinstance(info, Mapping) else {}


def grpo_row(row: Mapping[str, Any]) -> dict[str, Any]:
    """One swift GRPO row from a verl RL row (`prompt`, `reward_model.ground_truth`, `extra_info`).

    The tests are parsed (as the reward will) and the checker and language found (as every
    consumer finds them), so a row the reward could not score is refused here, not mid-run.
    """
    prompt = row.get("prompt")
    if hasattr(prompt, "tolist"):  # numpy arrays from pandas/pyarrow
        prompt = prompt.tolist()
    if not isinstance(prompt, list) or not prompt:
        raise TestFormatError("row has no chat prompt (a list of {role, content})")
    messages = [{"role": str(m["role"]), "content": str(m["content"])} for m in prompt]
    if messages[-1]["role"] == "assistant":
        raise TestFormatError("the prompt ends with an assistant turn; GRPO generates that turn")
    reward_model = row.get("reward_model") or {}
    ground_truth = reward_model.get("ground_truth") if isinstance(reward_model, Mapping) else None
    if ground_truth is None:
        raise TestFormatError("row has no reward_model.ground_truth")
    parse_tests(ground_truth)
    info = _extra_info(row)
    checker = task_checker(ground_truth=ground_truth, extra_info=info)
    language = task_language(extra_info=info)
    out: dict[str, Any] = {
        "messages": messages,
        "tests": ground_truth
        if isinstance(ground_truth, str)
        else json.dumps(ground_truth, ensure_ascii=False),
        "task_id": str(info.get("task_id") or ""),
        "data_source": str(row.get("data_source") or ""),
    }
    if checker is not None:
        out["checker"] = checker.model_dump_json()
    if language is not None:
        out["language"] = language
    return out


def write_jsonl(rows: Iterable[Mapping[str, Any]], path: Path) -> int:
    """Write rows as JSONL atomically (a temporary file renamed into place); returns the count."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    n = 0
    with open(tmp, "w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
            n += 1
    tmp.replace(path)
    return n
