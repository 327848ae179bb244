"""Builders shared by the tests."""

from __future__ import annotations

from xcoder_synth.llm import EndpointConfig, LLMPool, Provenance, ResponseCache
from xcoder_synth.solutions.sample import Candidate, CandidateSet
from xcoder_synth.solutions.syntax import fingerprint
from xcoder_synth.tasks.models import CheckerSpec, SelectedFeature, Selection, StdioExample, TaskRecord
from xcoder_synth.testgen.models import InputSet, TestInput

from .conftest import endpoint

PROV = Provenance(endpoint="test", model="m", prompt_id="p", prompt_version="1", sampling={}, cache_key="k")


def pool(url: str, tmp_path) -> LLMPool:
    return LLMPool(
        {"default": EndpointConfig.model_validate(endpoint(url))}, ResponseCache(tmp_path / "cache")
    )


def selection(style: str, config_id: str = "cfg1") -> Selection:
    return Selection(
        id=config_id,
        config_id=config_id,
        style=style,  # type: ignore[arg-type]
        features=[
            SelectedFeature(path=["mathematics", "number theory", "congruence"], role="pairs modulo k")
        ],
        integration_strategy="Residues are counted in one pass so that pairs come from class frequencies.",
        scenario="Count pairs of values whose sum is divisible by k, for up to 2*10^5 values.",
        provenance=PROV,
    )


def stdio_task(task_id: str, *, checker: str = "tokens") -> TaskRecord:
    """A minimal stdin/stdout task record for verification tests."""
    spec = CheckerSpec(kind="floats", abs_tol=1e-6, rel_tol=1e-6) if checker == "floats" else CheckerSpec()
    return TaskRecord(
        id=task_id,
        config_id="test",
        style="codeforces",
        io="stdio",
        title=task_id,
        statement=f"# {task_id}\n",
        legend="",
        constraints=["given by the test"],
        stdio_examples=[StdioExample(input="1\n", output="1\n")],
        checker=spec,
        features=[],
        integration_strategy="",
        scenario="",
        provenance={},
    )


def candidate_set(task_id: str, programs: list[str]) -> CandidateSet:
    return CandidateSet(
        id=task_id,
        candidates=[
            Candidate(
                id=f"{task_id}-c{i:02d}",
                task_id=task_id,
                index=i,
                endpoint="test",
                sample=i,
                code=code,
                response=f"```python\n{code}```\n",
                fingerprint=fingerprint(code),
                provenance=PROV,
            )
            for i, code in enumerate(programs)
        ],
    )


def input_set(task_id: str, datas: list[str], *, stated: dict[int, str] | None = None) -> InputSet:
    """Inputs; those with a stated answer count as the statement's examples."""
    stated = stated or {}
    return InputSet(
        id=task_id,
        inputs=[
            TestInput.make(task_id, "example" if i in stated else "random", d, stated_output=stated.get(i))
            for i, d in enumerate(datas)
        ],
    )
