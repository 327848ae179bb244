"""Render a task's structured fields into the statement a solver reads, one layout per style.

Rendering is ours, not the model's: the layout is uniform across a dataset and the examples in
the text are exactly the ones stored in the record.
"""

from __future__ import annotations

import json
from typing import Any

from xcoder_synth.tasks.models import CallExample, EntryPoint, StdioExample


def _block(text: str) -> str:
    return f"```\n{text.rstrip()}\n```"


def _bullets(items: list[str]) -> str:
    return "\n".join(f"- {c}" for c in items)


def codeforces(
    title: str,
    legend: str,
    input_format: str,
    output_format: str,
    constraints: list[str],
    examples: list[StdioExample],
) -> str:
    parts = [
        f"# {title}",
        legend.strip(),
        "## Input",
        input_format.strip(),
        _bullets(constraints),
        "## Output",
        output_format.strip(),
        "## Examples",
    ]
    for i, ex in enumerate(examples, 1):
        parts += [f"### Input {i}", _block(ex.input), f"### Output {i}", _block(ex.output)]
    notes = [
        f"In example {i}, {ex.explanation.strip()}"
        for i, ex in enumerate(examples, 1)
        if ex.explanation.strip()
    ]
    if notes:
        parts += ["## Note", "\n\n".join(notes)]
    return "\n\n".join(parts) + "\n"


def atcoder(
    title: str,
    legend: str,
    input_format: str,
    output_format: str,
    constraints: list[str],
    examples: list[StdioExample],
) -> str:
    parts = [
        f"# {title}",
        "## Problem Statement",
        legend.strip(),
        "## Constraints",
        _bullets(constraints),
        "## Input",
        input_format.strip(),
        "## Output",
        output_format.strip(),
    ]
    for i, ex in enumerate(examples, 1):
        parts += [f"## Sample Input {i}", _block(ex.input), f"## Sample Output {i}", _block(ex.output)]
        if ex.explanation.strip():
            parts.append(ex.explanation.strip())
    return "\n\n".join(parts) + "\n"


def _value(v: Any) -> str:
    return json.dumps(v, ensure_ascii=False)


def leetcode(
    title: str, description: str, entry: EntryPoint, constraints: list[str], examples: list[CallExample]
) -> str:
    parts = [f"# {title}", description.strip()]
    for i, ex in enumerate(examples, 1):
        args = ", ".join(f"{p.name} = {_value(ex.args[p.name])}" for p in entry.params)
        lines = [f"**Example {i}:**", "", f"Input: {args}", f"Output: {_value(ex.output)}"]
        if ex.explanation.strip():
            lines.append(f"Explanation: {ex.explanation.strip()}")
        parts.append("\n".join(lines))
    parts += ["**Constraints:**", _bullets(constraints)]
    parts += [
        "Implement the method below; it is called once per test.",
        f"```python\nclass Solution:\n    {entry.signature}\n```",
    ]
    return "\n\n".join(parts) + "\n"
