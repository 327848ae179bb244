"""The SynthSmith stages, in order. Each reads earlier stages' outputs from the run store.

extract → tree → configs → select → write → decontam → solve → testgen → inputs → verify → export
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel, Field

from xcoder_synth.decontam import NgramIndex, build_index, eval_problems
from xcoder_synth.features.evolve import Growth, graft, grow, sample_for_evolution
from xcoder_synth.features.extract import SeedFeatures, extract_features
from xcoder_synth.features.sample import FeatureConfig, sample_configs
from xcoder_synth.features.seeds import Seed, load_seeds, seed_from_record
from xcoder_synth.features.tree import FeatureNode, category_coverage, leaf_count, merged
from xcoder_synth.jsonl import write_atomic
from xcoder_synth.llm import ParseFailure
from xcoder_synth.neardup import Embedder, NearMatch, find_near_duplicates
from xcoder_synth.pipeline.stage import Dropped, Kept, Outcome, Stage, StageContext
from xcoder_synth.pipeline.store import Rejection
from xcoder_synth.solutions.sample import CandidateSet, sample_candidates
from xcoder_synth.tasks.models import Selection, TaskRecord
from xcoder_synth.tasks.select import select_features
from xcoder_synth.tasks.styles import assign_styles
from xcoder_synth.tasks.write import write_task
from xcoder_synth.testgen.materialize import Dropped as InputsDropped
from xcoder_synth.testgen.materialize import materialize
from xcoder_synth.testgen.models import InputSet, Program, TestPlan
from xcoder_synth.testgen.plan import plan_tests
from xcoder_synth.verify.dual import VerifyDropped, verify_task


def _parse_dropped(failure: ParseFailure) -> Dropped:
    return Dropped(
        reason=f"parse_{failure.reason}",
        detail=failure.detail[:500],
        extra={
            "attempts": [a.model_dump() for a in failure.attempts],
            "provenance": failure.provenance.model_dump(),
        },
    )


class FeatureTreeRecord(BaseModel):
    id: str = "tree"
    tree: FeatureNode
    seeds: int
    base_leaves: int
    leaves: int
    coverage: dict[str, int]
    growth: list[Growth] = Field(default_factory=list)


# ------------------------------------------------------------------ stages


class ExtractStage(Stage):
    name = "extract"
    description = "extract seed problems' features into the fixed schema (LLM)"

    def items(self, ctx: StageContext) -> Iterable[tuple[str, Any]]:
        seeds = ctx.config.seeds
        if isinstance(seeds, list):
            records = (seed_from_record(r, n) for n, r in enumerate(seeds, 1))
        else:
            records = load_seeds(seeds)
        for seed in records:
            yield seed.id, seed

    async def process(self, ctx: StageContext, item: Seed) -> Outcome:
        client = ctx.llm.get(ctx.config.llm.stages["extract"])
        result = await extract_features(client, item, attempts=ctx.config.llm.parse_attempts)
        if isinstance(result, ParseFailure):
            return _parse_dropped(result)
        return Kept([result])


class TreeStage(Stage):
    name = "tree"
    needs = ("extract",)
    sharded = False
    description = "merge extracted features into one tree and evolve it in depth and breadth (LLM)"

    def items(self, ctx: StageContext) -> Iterable[tuple[str, Any]]:
        yield "tree", None

    async def process(self, ctx: StageContext, item: None) -> Outcome:
        extractions = list(ctx.store.read("extract", SeedFeatures))
        if not extractions:
            return Dropped(reason="no_extractions", detail="no seed produced features")
        tree = merged([e.tree for e in sorted(extractions, key=lambda e: e.id)])
        base_leaves = leaf_count(tree)
        evo = ctx.config.features.evolution
        client = ctx.llm.get(ctx.config.llm.stages["evolve"])
        growth: list[Growth] = []
        rejections: list[Rejection] = []
        for round_no in range(evo.rounds):
            offered = [
                sample_for_evolution(
                    tree, evo.conditions, random.Random(f"xcoder-synth:evolve:{evo.seed}:{round_no}:{k}")
                )
                for k in range(evo.per_round)
            ]
            results = await asyncio.gather(
                *(
                    grow(
                        client, tree, sub, round_no=round_no, sample=k, attempts=ctx.config.llm.parse_attempts
                    )
                    for k, sub in enumerate(offered)
                )
            )
            for k, (record, failure, grown) in enumerate(results):
                if failure is not None:
                    rejections.append(
                        Rejection(
                            item_id=f"evolve:{round_no}:{k}",
                            reason=f"parse_{failure.reason}",
                            detail=failure.detail[:500],
                        )
                    )
                    continue
                assert record is not None and grown is not None
                record.added = [list(p) for p in graft(tree, offered[k], grown)]
                growth.append(record)
        out = FeatureTreeRecord(
            tree=tree,
            seeds=len(extractions),
            base_leaves=base_leaves,
            leaves=leaf_count(tree),
            coverage=category_coverage(tree),
            growth=growth,
        )
        write_atomic(ctx.store.artifacts / "feature_tree.json", out.tree.model_dump_json(indent=1))
        return Kept([out], rejections)


class ConfigsStage(Stage):
    name = "configs"
    needs = ("tree",)
    sharded = False
    description = "sample feature subtrees (uniform or frequency-weighted, seeded) and assign styles"

    def items(self, ctx: StageContext) -> Iterable[tuple[str, Any]]:
        yield "configs", None

    async def process(self, ctx: StageContext, item: None) -> Outcome:
        tree = next(ctx.store.read("tree", FeatureTreeRecord)).tree
        configs: list[FeatureConfig] = []
        rejections: list[Rejection] = []
        for drawn in sample_configs(tree, ctx.config.features.sampling):
            if isinstance(drawn, int):
                rejections.append(Rejection(item_id=f"config:{drawn}", reason="no_valid_subtree"))
            else:
                configs.append(drawn)
        styles = assign_styles([c.id for c in configs], ctx.config.tasks.styles)
        for c in configs:
            c.style = styles[c.id]
        return Kept(list(configs), rejections)


class SelectStage(Stage):
    name = "select"
    needs = ("configs",)
    description = "choose compatible features, integration strategy and scenario (LLM, stage 1)"

    def items(self, ctx: StageContext) -> Iterable[tuple[str, Any]]:
        for c in ctx.store.read("configs", FeatureConfig):
            yield c.id, c

    async def process(self, ctx: StageContext, item: FeatureConfig) -> Outcome:
        t = ctx.config.tasks
        result = await select_features(
            ctx.llm.get(ctx.config.llm.stages["select"]),
            item,
            style=item.style or "codeforces",  # type: ignore[arg-type]
            min_selected=t.min_selected,
            max_selected=t.max_selected,
            attempts=ctx.config.llm.parse_attempts,
        )
        if isinstance(result, ParseFailure):
            return _parse_dropped(result)
        return Kept([result])


class WriteStage(Stage):
    name = "write"
    needs = ("select",)
    description = "write the task in its style: statement, formats, constraints, examples (LLM, stage 2)"

    def items(self, ctx: StageContext) -> Iterable[tuple[str, Any]]:
        for s in ctx.store.read("select", Selection):
            yield s.id, s

    async def process(self, ctx: StageContext, item: Selection) -> Outcome:
        t = ctx.config.tasks
        result = await write_task(
            ctx.llm.get(ctx.config.llm.stages["write"]),
            item,
            min_examples=t.min_examples,
            banned_terms=tuple(t.banned_terms),
            multi_answer=t.multi_answer,
            attempts=ctx.config.llm.parse_attempts,
        )
        if isinstance(result, ParseFailure):
            return _parse_dropped(result)
        return Kept([result])


class DecontamStage(Stage):
    """n-gram overlap per task; with ``decontam.near_duplicates`` on, also sentence-embedding
    near duplicates of evaluation problems and of other tasks of the run. That check compares
    every task with every other, so the stage then runs as one shard."""

    name = "decontam"
    needs = ("write",)
    description = "drop tasks overlapping evaluation problems (word n-grams) and near duplicates (embeddings)"

    def __init__(self) -> None:
        self._index: NgramIndex | None = None
        self._near: dict[str, NearMatch] = {}

    def n_shards(self, ctx: StageContext) -> int:
        one = ctx.config.decontam.near_duplicates.enabled
        return ctx.store.n_shards(self.name, 1 if one else ctx.config.shards)

    def items(self, ctx: StageContext) -> Iterable[tuple[str, Any]]:
        for t in ctx.store.read("write", TaskRecord):
            yield t.id, t

    async def setup(self, ctx: StageContext) -> None:
        source = ctx.config.eval_problems
        cfg = ctx.config.decontam
        self._index = None if source is None else build_index(source, cfg.ngram)
        self._near = {}
        if cfg.near_duplicates.enabled:
            nd = cfg.near_duplicates
            embedder = Embedder(nd.model_dir, batch_size=nd.batch_size)
            tasks = [(t.id, t.statement) for t in ctx.store.read("write", TaskRecord)]
            if self._index is not None:  # n-gram matches are dropped first and compared with nothing
                tasks = [(i, s) for i, s in tasks if self._contaminated(ctx, s) is None]
            evals = [] if source is None else eval_problems(source)
            self._near = await asyncio.to_thread(find_near_duplicates, tasks, evals, embedder, nd.threshold)

    def _contaminated(self, ctx: StageContext, statement: str) -> Dropped | None:
        assert self._index is not None
        ov = self._index.overlap(statement)
        if ov.ratio < ctx.config.decontam.max_overlap:
            return None
        return Dropped(
            reason="contaminated",
            detail=f"{ov.ratio:.1%} of its {ctx.config.decontam.ngram}-grams occur in {ov.eval_id}",
            extra=ov.model_dump(),
        )

    async def process(self, ctx: StageContext, item: TaskRecord) -> Outcome:
        if self._index is not None and (dropped := self._contaminated(ctx, item.statement)):
            return dropped
        match = self._near.get(item.id)
        if match is not None:
            what = "evaluation problem" if match.kind == "eval" else "task"
            return Dropped(
                reason="near_duplicate_eval" if match.kind == "eval" else "near_duplicate",
                detail=f"cosine {match.similarity:.3f} with {what} {match.of} "
                f"(threshold {ctx.config.decontam.near_duplicates.threshold})",
                extra=match.model_dump(),
            )
        return Kept([item])


class SolveStage(Stage):
    name = "solve"
    needs = ("decontam",)
    description = "sample N candidate solutions per task from one or more models (LLM)"

    def items(self, ctx: StageContext) -> Iterable[tuple[str, Any]]:
        for t in ctx.store.read("decontam", TaskRecord):
            yield t.id, t

    async def process(self, ctx: StageContext, item: TaskRecord) -> Outcome:
        cset = await sample_candidates(ctx.llm, item, ctx.config.llm.solve)
        n = len(cset.voters)
        if n < ctx.config.verify.min_candidates:
            reasons: dict[str, int] = {}
            for c in cset.candidates:
                key = c.reject_reason or ("duplicate" if c.duplicate_of else "ok")
                reasons[key] = reasons.get(key, 0) + 1
            return Dropped(
                reason="too_few_candidates",
                detail=f"{n} distinct usable candidate(s) < {ctx.config.verify.min_candidates}",
                extra={"candidates": reasons},
            )
        return Kept([cset])


def _surviving_tasks(ctx: StageContext, stage: str) -> Iterable[TaskRecord]:
    """Tasks (from decontam) that have an output in ``stage``."""
    alive = {r["id"] for r in ctx.store.records(stage)}
    for t in ctx.store.read("decontam", TaskRecord):
        if t.id in alive:
            yield t


class TestgenStage(Stage):
    __test__ = False
    name = "testgen"
    needs = ("solve",)
    description = "write test inputs, a generator and input validators (LLM)"

    def items(self, ctx: StageContext) -> Iterable[tuple[str, Any]]:
        for t in _surviving_tasks(ctx, "solve"):
            yield t.id, t

    async def process(self, ctx: StageContext, item: TaskRecord) -> Outcome:
        plan = await plan_tests(
            ctx.llm.get(ctx.config.llm.stages["testgen"]),
            item,
            ctx.config.testgen.plan,
            attempts=ctx.config.llm.parse_attempts,
        )
        return Kept([plan])


class InputsStage(Stage):
    name = "inputs"
    needs = ("testgen",)
    description = "run generators and validators in the judge; keep valid, distinct inputs (judge)"

    def items(self, ctx: StageContext) -> Iterable[tuple[str, Any]]:
        plans = ctx.store.by_id("testgen", TestPlan)
        for t in _surviving_tasks(ctx, "testgen"):
            yield t.id, (t, plans[t.id])

    async def process(self, ctx: StageContext, item: tuple[TaskRecord, TestPlan]) -> Outcome:
        task, plan = item
        result = await materialize(ctx.judge, task, plan, ctx.config.testgen.materialize)
        if isinstance(result, InputsDropped):
            return Dropped(
                reason=result.reason,
                detail=result.detail,
                extra={"decisions": [d.model_dump() for d in result.decisions]},
            )
        return Kept([result])


class VerifyStage(Stage):
    name = "verify"
    needs = ("inputs",)
    description = (
        "dual verification: weighted vote with the oracle, golden solution with hold-out, final check (judge)"
    )

    def items(self, ctx: StageContext) -> Iterable[tuple[str, Any]]:
        inputs = ctx.store.by_id("inputs", InputSet)
        cands = ctx.store.by_id("solve", CandidateSet)
        plans = ctx.store.by_id("testgen", TestPlan)
        for t in _surviving_tasks(ctx, "inputs"):
            plan = plans.get(t.id)
            yield t.id, (t, cands[t.id], inputs[t.id], plan.oracle if plan else None)

    async def process(
        self, ctx: StageContext, item: tuple[TaskRecord, CandidateSet, InputSet, Program | None]
    ) -> Outcome:
        task, cands, inputs, oracle = item
        result = await verify_task(ctx.judge, task, cands, inputs, ctx.config.verify, oracle=oracle)
        if isinstance(result, VerifyDropped):
            return Dropped(
                reason=result.reason,
                detail=result.detail,
                extra={
                    "decisions": [d.model_dump() for d in result.decisions],
                    "agreements": result.agreements,
                },
            )
        return Kept([result])


class ExportStage(Stage):
    name = "export"
    needs = ("verify",)
    sharded = False
    description = "write SFT JSONL, RL parquet (verl) and the run report"

    def items(self, ctx: StageContext) -> Iterable[tuple[str, Any]]:
        yield "export", None

    async def process(self, ctx: StageContext, item: None) -> Outcome:
        from xcoder_synth.export.bundle import export_run  # matplotlib/pyarrow only when exporting

        summary = await asyncio.to_thread(export_run, ctx.store, ctx.config)
        return Kept([summary])


STAGES: dict[str, type[Stage]] = {
    s.name: s
    for s in (
        ExtractStage,
        TreeStage,
        ConfigsStage,
        SelectStage,
        WriteStage,
        DecontamStage,
        SolveStage,
        TestgenStage,
        InputsStage,
        VerifyStage,
        ExportStage,
    )
}
STAGE_ORDER: tuple[str, ...] = tuple(STAGES)
JUDGE_STAGES = frozenset({"inputs", "verify"})
