"""The run config: one YAML (or JSON) file says what to synthesise, with which models, how strictly.

Unknown keys are errors (a typo must not silently fall back to a default). Relative paths are
resolved against the config file's folder.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from xcoder_synth.decontam import DecontamConfig
from xcoder_synth.errors import ConfigError
from xcoder_synth.features.evolve import EvolutionConfig
from xcoder_synth.features.sample import SamplingConfig
from xcoder_synth.llm.models import EndpointConfig
from xcoder_synth.solutions.sample import ModelSamples
from xcoder_synth.tasks.styles import StyleMix
from xcoder_synth.tasks.write import DEFAULT_BANNED_TERMS
from xcoder_synth.testgen.materialize import MaterializeConfig
from xcoder_synth.testgen.plan import PlanConfig
from xcoder_synth.verify.config import VerifyConfig

LLM_STAGES = ("extract", "evolve", "select", "write", "testgen")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LLMConfig(_Strict):
    endpoints: dict[str, EndpointConfig] = Field(min_length=1)
    stages: dict[str, str] = Field(
        default_factory=dict, description="Endpoint per LLM stage (extract, evolve, select, write, testgen)."
    )
    solve: list[ModelSamples] = Field(
        default_factory=list, description="Candidate models and samples per task."
    )
    parse_attempts: int = Field(
        2, ge=1, le=10, description="Replies asked for before a parse failure drops an item."
    )

    @model_validator(mode="after")
    def _resolve(self) -> LLMConfig:
        unknown = set(self.stages) - set(LLM_STAGES)
        if unknown:
            raise ValueError(f"llm.stages: unknown stage(s) {sorted(unknown)}; known: {list(LLM_STAGES)}")
        default = "default" if "default" in self.endpoints else next(iter(self.endpoints))
        for stage in LLM_STAGES:
            self.stages.setdefault(stage, default)
        if not self.solve:
            self.solve = [ModelSamples(endpoint=default, samples=8)]
        for name in [*self.stages.values(), *(m.endpoint for m in self.solve)]:
            if name not in self.endpoints:
                raise ValueError(f"llm: endpoint {name!r} is not defined under llm.endpoints")
        return self


class JudgeConfig(_Strict):
    url: str | None = Field(None, description="Default: XCODER_SYNTH_JUDGE_URL.")
    api_key_env: str | None = Field(None, description="Default: XCODER_SYNTH_JUDGE_API_KEY.")
    max_concurrency: int = Field(8, ge=1, le=256)
    timeout_s: float = Field(3600.0, gt=0)


class FeaturesConfig(_Strict):
    evolution: EvolutionConfig = Field(default_factory=EvolutionConfig)
    sampling: SamplingConfig = Field(default_factory=SamplingConfig)


class TasksConfig(_Strict):
    styles: StyleMix = Field(default_factory=StyleMix)
    min_selected: int = Field(3, ge=1)
    max_selected: int = Field(12, ge=1)
    min_examples: int = Field(2, ge=1)
    banned_terms: list[str] = Field(default_factory=lambda: list(DEFAULT_BANNED_TERMS))
    multi_answer: bool = Field(
        False,
        description="Allow stdio tasks with several valid answers; the model then writes a checker program.",
    )


class TestgenConfig(_Strict):
    __test__ = False

    plan: PlanConfig = Field(default_factory=PlanConfig)
    materialize: MaterializeConfig = Field(default_factory=MaterializeConfig)


class ExportConfig(_Strict):
    sft_responses: Literal["verified", "golden"] = "verified"
    max_responses_per_task: int = Field(8, ge=1)
    data_source: str = "xcoder-synth"
    rl_order: Literal["pass_rate_desc", "id"] = "pass_rate_desc"


class RunConfig(_Strict):
    name: str = Field(pattern=r"^[A-Za-z0-9._-]+$")
    output_dir: Path | None = Field(
        None, description="Default: <XCODER_SYNTH_DATA_DIR>/runs/<name> (outside the source tree)."
    )
    cache_dir: Path | None = Field(None, description="LLM response cache; default <output_dir>/llm-cache.")
    seeds: Path | list[dict[str, Any]] = Field(description="Seed problems: a JSONL file or inline records.")
    eval_problems: Path | list[dict[str, Any]] | None = Field(
        None, description="Evaluation problems to decontaminate against (JSONL file or inline)."
    )
    shards: int = Field(4, ge=1, le=4096, description="Shards of each per-item stage (RQ jobs).")
    concurrency: int = Field(16, ge=1, le=4096, description="Items in flight per shard.")
    llm: LLMConfig
    judge: JudgeConfig = Field(default_factory=JudgeConfig)
    features: FeaturesConfig = Field(default_factory=FeaturesConfig)
    tasks: TasksConfig = Field(default_factory=TasksConfig)
    testgen: TestgenConfig = Field(default_factory=TestgenConfig)
    verify: VerifyConfig = Field(default_factory=VerifyConfig)
    decontam: DecontamConfig = Field(default_factory=DecontamConfig)
    export: ExportConfig = Field(default_factory=ExportConfig)

    def resolved(self, base: Path) -> RunConfig:
        """Paths made absolute against ``base`` (the config file's folder)."""

        def absolute(p: Path | None) -> Path | None:
            return None if p is None else (p if p.is_absolute() else (base / p).resolve())

        from xcoder_synth.settings import get_settings

        default_dir = (get_settings().data_dir / "runs" / self.name).resolve()
        update: dict[str, Any] = {"output_dir": absolute(self.output_dir) or default_dir}
        update["cache_dir"] = absolute(self.cache_dir) or update["output_dir"] / "llm-cache"
        if isinstance(self.seeds, Path):
            update["seeds"] = absolute(self.seeds)
        if isinstance(self.eval_problems, Path):
            update["eval_problems"] = absolute(self.eval_problems)
        return self.model_copy(update=update)


def parse_config(data: Any, *, base: Path, source: str = "config") -> RunConfig:
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: expected a mapping at the top level")
    try:
        return RunConfig.model_validate(data).resolved(base)
    except ValidationError as exc:
        lines = [f"{'.'.join(str(p) for p in e['loc']) or '<root>'}: {e['msg']}" for e in exc.errors()]
        raise ConfigError(f"{source} is invalid:\n  " + "\n  ".join(lines)) from exc


def load_config(path: Path) -> RunConfig:
    if not path.exists():
        raise ConfigError(f"config file not found: {path}")
    text = path.read_text(encoding="utf-8")
    try:
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot parse: {exc}") from exc
    return parse_config(data, base=path.parent.resolve(), source=str(path))
