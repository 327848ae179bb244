"""What a stage reads from the run store, declared once and checked on every read.

Each stage lists its inputs as :class:`Read` constants (which stage, which record model) in
``Stage.reads``; the runner's readiness check (``needs``) is derived from that list, and a stage
reads only through :class:`StageReads`, which refuses any read the stage did not declare. So
``needs`` cannot drift from the code: a stage that starts reading another stage without saying
so fails on its first item, not on a run where that stage happened to be incomplete.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from xcoder_synth.errors import UndeclaredRead
from xcoder_synth.features.evolve import FeatureTreeRecord
from xcoder_synth.features.extract import SeedFeatures
from xcoder_synth.features.sample import FeatureConfig
from xcoder_synth.pipeline.store import RunStore
from xcoder_synth.solutions.sample import CandidateSet
from xcoder_synth.tasks.models import Selection, TaskRecord
from xcoder_synth.testgen.models import InputSet, TestPlan
from xcoder_synth.verify.records import VerifiedTask

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Read(Generic[M]):
    """One stage output as another stage reads it: the stage's name and its record model."""

    stage: str
    model: type[M]


EXTRACTIONS: Read[SeedFeatures] = Read("extract", SeedFeatures)
TREE: Read[FeatureTreeRecord] = Read("tree", FeatureTreeRecord)
CONFIGS: Read[FeatureConfig] = Read("configs", FeatureConfig)
SELECTIONS: Read[Selection] = Read("select", Selection)
WRITTEN: Read[TaskRecord] = Read("write", TaskRecord)
TASKS: Read[TaskRecord] = Read("decontam", TaskRecord)  # the tasks that survived decontamination
CANDIDATES: Read[CandidateSet] = Read("solve", CandidateSet)
PLANS: Read[TestPlan] = Read("testgen", TestPlan)
INPUTS: Read[InputSet] = Read("inputs", InputSet)
VERIFIED: Read[VerifiedTask] = Read("verify", VerifiedTask)


def needs_of(reads: Sequence[Read[Any]]) -> tuple[str, ...]:
    """The stages that must be complete first: those read, in declaration order, once each."""
    return tuple(dict.fromkeys(r.stage for r in reads))


class StageReads:
    """The run store as one stage may see it: typed reads of the outputs it declared, nothing else."""

    def __init__(self, store: RunStore, declared: Sequence[Read[Any]], reader: str) -> None:
        self._store = store
        self._declared = frozenset(declared)
        self._reader = reader

    def _allow(self, read: Read[Any]) -> None:
        if read not in self._declared:
            raise UndeclaredRead(
                f"stage {self._reader!r} reads {read.stage!r} ({read.model.__name__}) "
                "but does not declare it in its reads"
            )

    def all(self, read: Read[M]) -> Iterator[M]:
        """Every record of the read stage, each id once."""
        self._allow(read)
        return self._store.read(read.stage, read.model)

    def by_id(self, read: Read[M]) -> dict[str, M]:
        self._allow(read)
        return self._store.by_id(read.stage, read.model)

    def ids(self, read: Read[Any]) -> set[str]:
        """The ids the read stage kept, without validating the records."""
        self._allow(read)
        return {r["id"] for r in self._store.records(read.stage) if "id" in r}

    def raw(self, read: Read[Any]) -> Iterator[dict[str, Any]]:
        """The records as stored (the report counts fields of large records without parsing them)."""
        self._allow(read)
        return self._store.records(read.stage)

    def surviving_tasks(self, read: Read[Any]) -> Iterator[TaskRecord]:
        """The decontaminated tasks that have an output in ``read``'s stage."""
        alive = self.ids(read)
        return (t for t in self.all(TASKS) if t.id in alive)
