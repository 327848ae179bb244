"""Test inputs and the programs that make and check them."""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, Field

from xcoder_synth.ids import stable_id
from xcoder_synth.llm import Provenance

InputSource = Literal["example", "prompted", "small", "random", "max"]


class TestInput(BaseModel):
    """One input. ``data`` is stdin text, or for call tasks the JSON array of arguments."""

    __test__ = False  # not a pytest class

    id: str
    source: InputSource
    data: str
    stated_output: str | None = Field(
        None, description="The statement's answer for an example (stdout or JSON)."
    )
    note: str = ""

    @staticmethod
    def make(task_id: str, source: InputSource, data: str, **kw: Any) -> TestInput:
        return TestInput(id=stable_id("input", task_id, data), source=source, data=data, **kw)


class Program(BaseModel):
    code: str
    provenance: Provenance
    language: str = Field("python3", description="Judge language id.")


class TestPlan(BaseModel):
    """Stage output of ``testgen``: model-written inputs and programs for one task."""

    __test__ = False

    id: str = Field(description="The task id.")
    prompted: list[TestInput] = Field(default_factory=list)
    generator: Program | None = None
    validators: list[Program] = Field(default_factory=list, description="Alternatives, tried in order.")
    oracle: Program | None = Field(None, description="Brute-force solution, run on small inputs in verify.")
    notes: list[str] = Field(default_factory=list, description="Why a part is missing.")
    provenance: dict[str, Provenance] = Field(default_factory=dict)


class InputDecision(BaseModel):
    input_id: str
    source: InputSource
    kept: bool
    reason: str = Field("", description="A stable code (counted in stats).")
    detail: str = ""


class InputSet(BaseModel):
    """Stage output of ``inputs``: validated concrete inputs for one task."""

    id: str = Field(description="The task id.")
    inputs: list[TestInput]
    validator_index: int | None = Field(None, description="Which validator accepted the examples.")
    decisions: list[InputDecision] = Field(default_factory=list, description="Every input dropped, with why.")


def call_data(args: list[Any]) -> str:
    """The canonical stdin form of a call's arguments."""
    return json.dumps(args, ensure_ascii=False, separators=(",", ":"))
