"""The task record: what a synthetic problem is, in a form both people and the judge can use."""

from __future__ import annotations

import keyword
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from xcoder_synth.llm import Provenance

Style = Literal["codeforces", "leetcode", "atcoder"]
STYLES: tuple[Style, ...] = ("codeforces", "leetcode", "atcoder")
IoKind = Literal["stdio", "call"]


def _identifier(v: str) -> str:
    if not v.isidentifier() or keyword.iskeyword(v):
        raise ValueError(f"{v!r} is not a Python identifier")
    return v


class StdioExample(BaseModel):
    input: str
    output: str
    explanation: str = ""

    @field_validator("input", "output")
    @classmethod
    def _newline(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("must not be empty")
        return v if v.endswith("\n") else v + "\n"


class CallExample(BaseModel):
    args: dict[str, Any]
    output: Any
    explanation: str = ""


class Param(BaseModel):
    name: str
    type: str = Field(min_length=1)

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        return _identifier(v)


class EntryPoint(BaseModel):
    """The function a LeetCode-style answer implements, as a method of ``class Solution``."""

    name: str
    params: list[Param] = Field(min_length=1)
    returns: str = Field(min_length=1)

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        return _identifier(v)

    @property
    def signature(self) -> str:
        params = ", ".join(f"{p.name}: {p.type}" for p in self.params)
        return f"def {self.name}(self, {params}) -> {self.returns}:"

    def positional(self, args: dict[str, Any]) -> list[Any]:
        return [args[p.name] for p in self.params]


class CheckerSpec(BaseModel):
    """How outputs are compared, in the judge's checker vocabulary (tokens, floats, or a checker
    program for tasks with many valid answers: testlib protocol, ``checker input output answer``,
    exit 0 accepted, 1 wrong, 2 presentation error)."""

    kind: Literal["tokens", "floats", "program"] = "tokens"
    abs_tol: float | None = None
    rel_tol: float | None = None
    source: str | None = Field(None, description="Checker program source (kind program).")
    language: str = Field("python3", description="Judge language of the checker program.")

    @model_validator(mode="after")
    def _program(self) -> CheckerSpec:
        if self.kind == "program" and not (self.source or "").strip():
            raise ValueError("a program checker needs its source")
        return self

    def judge_checker(self) -> dict[str, Any]:
        if self.kind == "floats":
            return {"kind": "floats", "abs_tol": self.abs_tol or 1e-6, "rel_tol": self.rel_tol or 1e-6}
        if self.kind == "program":
            return {"kind": "program", "language": self.language, "source": self.source}
        return {"kind": "tokens"}


class SelectedFeature(BaseModel):
    path: list[str] = Field(min_length=1)
    role: str = ""


class Selection(BaseModel):
    """Stage 1: the compatible features chosen from a config, how they interlock, the scenario."""

    id: str = Field(description="Equals the config id.")
    config_id: str
    style: Style
    features: list[SelectedFeature]
    integration_strategy: str
    scenario: str
    unknown_features: list[str] = Field(
        default_factory=list, description="Paths the model invented; dropped."
    )
    provenance: Provenance


class TaskRecord(BaseModel):
    """Stage 2: a complete task. ``statement`` is the text a solver sees."""

    id: str
    config_id: str
    style: Style
    io: IoKind
    title: str
    statement: str
    legend: str
    input_format: str = ""
    output_format: str = ""
    constraints: list[str]
    stdio_examples: list[StdioExample] = Field(default_factory=list)
    call_examples: list[CallExample] = Field(default_factory=list)
    entry_point: EntryPoint | None = None
    checker: CheckerSpec = Field(default_factory=CheckerSpec)
    features: list[SelectedFeature]
    integration_strategy: str
    scenario: str
    provenance: dict[str, Provenance] = Field(description="By stage: select, write.")

    @property
    def fn_name(self) -> str | None:
        return self.entry_point.name if self.entry_point else None
