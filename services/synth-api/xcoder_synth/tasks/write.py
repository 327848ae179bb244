"""Stage 2: write a task in its style from a selection, validated into a :class:`TaskRecord`.

Replies are structured (title, formats, constraints, examples, answer kind); the statement is
rendered from them. A task that admits several correct outputs (unless ``multi_answer`` is on
and it brings a checker program), lacks examples, uses
real-valued results in a function-call task, or names a technique in its text fails closed.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, Field

from xcoder_synth.ids import stable_id
from xcoder_synth.llm import LLMClient, ParseFailure, ask
from xcoder_synth.prompts import tasks as prompts
from xcoder_synth.solutions.syntax import syntax_problem
from xcoder_synth.tasks import render
from xcoder_synth.tasks.models import (
    CallExample,
    CheckerSpec,
    EntryPoint,
    Selection,
    StdioExample,
    TaskRecord,
)

DEFAULT_BANNED_TERMS = (
    "dynamic programming",
    "segment tree",
    "fenwick",
    "binary indexed tree",
    "dijkstra",
    "union-find",
    "disjoint set union",
    "greedy algorithm",
    "depth-first search",
    "breadth-first search",
    "memoization",
    "sparse table",
    "two pointers",
    "sliding window technique",
    "bitmask dp",
    "topological sort",
)


class StdioTaskReply(BaseModel):
    title: str = Field(min_length=1)
    legend: str = Field(min_length=1)
    input_format: str = Field(min_length=1)
    output_format: str = Field(min_length=1)
    constraints: list[str] = Field(min_length=1)
    examples: list[StdioExample] = Field(min_length=1)
    answer: Literal["exact", "real"] = "exact"
    tolerance: float | None = Field(None, gt=0, le=0.1)
    unique_answer: bool
    checker: str | None = Field(None, description="Checker program (tasks with several valid answers).")


class CallTaskReply(BaseModel):
    title: str = Field(min_length=1)
    description: str = Field(min_length=1)
    function: EntryPoint
    constraints: list[str] = Field(min_length=1)
    examples: list[CallExample] = Field(min_length=1)
    unique_answer: bool


def _banned_in(text: str, banned: tuple[str, ...]) -> list[str]:
    lowered = text.lower()
    return [t for t in banned if re.search(rf"(?<![a-z]){re.escape(t.lower())}(?![a-z])", lowered)]


def _contains_float(value: Any) -> bool:
    if isinstance(value, float):
        return True
    if isinstance(value, list):
        return any(_contains_float(v) for v in value)
    if isinstance(value, dict):
        return any(_contains_float(v) for v in value.values())
    return False


def task_id(selection: Selection) -> str:
    return stable_id("task", selection.config_id, selection.style)


def _stdio_checks(min_examples: int, banned: tuple[str, ...], multi_answer: bool = False):
    def check(reply: StdioTaskReply) -> None:
        if not reply.unique_answer:
            if not multi_answer:
                raise ValueError("the task admits several correct outputs; voting cannot label its tests")
            if not (reply.checker or "").strip():
                raise ValueError("the task admits several correct outputs but has no checker program")
            problem = syntax_problem(reply.checker or "")
            if problem:
                raise ValueError(f"checker: {problem}")
            if reply.answer == "real":
                raise ValueError("a checker task compares real values itself: answer must be exact")
        if len(reply.examples) < min_examples:
            raise ValueError(f"{len(reply.examples)} example(s), need >= {min_examples}")
        if len({ex.input for ex in reply.examples}) < len(reply.examples):
            raise ValueError("two examples have the same input")
        hits = _banned_in(
            " ".join([reply.title, reply.legend, reply.input_format, reply.output_format]), banned
        )
        if hits:
            raise ValueError(f"the statement names techniques: {', '.join(hits)}")

    return check


def _call_checks(min_examples: int, banned: tuple[str, ...]):
    def check(reply: CallTaskReply) -> None:
        if not reply.unique_answer:
            raise ValueError("the task admits several correct outputs; voting cannot label its tests")
        if len(reply.examples) < min_examples:
            raise ValueError(f"{len(reply.examples)} example(s), need >= {min_examples}")
        names = {p.name for p in reply.function.params}
        if len(names) != len(reply.function.params):
            raise ValueError("duplicate parameter names")
        for i, ex in enumerate(reply.examples, 1):
            if set(ex.args) != names:
                raise ValueError(
                    f"example {i}: arguments {sorted(ex.args)} differ from parameters {sorted(names)}"
                )
            if _contains_float(ex.output):
                raise ValueError("function-call tasks must return exact values, not floating-point numbers")
        hits = _banned_in(" ".join([reply.title, reply.description]), banned)
        if hits:
            raise ValueError(f"the statement names techniques: {', '.join(hits)}")

    return check


async def write_task(
    client: LLMClient,
    selection: Selection,
    *,
    min_examples: int = 2,
    banned_terms: tuple[str, ...] = DEFAULT_BANNED_TERMS,
    attempts: int = 2,
    multi_answer: bool = False,
) -> TaskRecord | ParseFailure:
    plan = [(f.path, f.role) for f in selection.features]
    prompt = prompts.write(
        selection.style, plan, selection.integration_strategy, selection.scenario, multi_answer=multi_answer
    )
    common: dict[str, Any] = {
        "id": task_id(selection),
        "config_id": selection.config_id,
        "style": selection.style,
        "features": selection.features,
        "integration_strategy": selection.integration_strategy,
        "scenario": selection.scenario,
    }
    if selection.style == "leetcode":
        result = await ask(
            client, prompt, CallTaskReply, attempts=attempts, check=_call_checks(min_examples, banned_terms)
        )
        if isinstance(result, ParseFailure):
            return result
        r = result.value
        statement = render.leetcode(r.title, r.description, r.function, r.constraints, r.examples)
        return TaskRecord(
            **common,
            io="call",
            title=r.title.strip(),
            statement=statement,
            legend=r.description.strip(),
            constraints=r.constraints,
            call_examples=r.examples,
            entry_point=r.function,
            checker=CheckerSpec(kind="tokens"),
            provenance={"select": selection.provenance, "write": result.provenance},
        )
    result = await ask(
        client,
        prompt,
        StdioTaskReply,
        attempts=attempts,
        check=_stdio_checks(min_examples, banned_terms, multi_answer),
    )
    if isinstance(result, ParseFailure):
        return result
    r = result.value
    layout = render.codeforces if selection.style == "codeforces" else render.atcoder
    statement = layout(r.title.strip(), r.legend, r.input_format, r.output_format, r.constraints, r.examples)
    if not r.unique_answer and r.checker:
        checker = CheckerSpec(kind="program", source=r.checker, language="python3")
    elif r.answer == "real":
        checker = CheckerSpec(kind="floats", abs_tol=r.tolerance or 1e-6, rel_tol=r.tolerance or 1e-6)
    else:
        checker = CheckerSpec(kind="tokens")
    return TaskRecord(
        **common,
        io="stdio",
        title=r.title.strip(),
        statement=statement,
        legend=r.legend.strip(),
        input_format=r.input_format.strip(),
        output_format=r.output_format.strip(),
        constraints=r.constraints,
        stdio_examples=r.examples,
        checker=checker,
        provenance={"select": selection.provenance, "write": result.provenance},
    )
